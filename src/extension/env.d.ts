/**
 * Build-time constants WXT defines (`import.meta.env.FIREFOX`…), declared here so the
 * repository's plain `tsc --noEmit` type-checks the extension without `wxt prepare`.
 */
interface ImportMetaEnv {
  readonly BROWSER: string;
  readonly CHROME: boolean;
  readonly FIREFOX: boolean;
  readonly MANIFEST_VERSION: 2 | 3;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}
