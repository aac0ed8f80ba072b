/** The wire protocol shared by the server and the SDK. */
export * from './errors.ts';
export * from './limits.ts';
export * from './signaling.ts';
export * from './im.ts';
export * from './ops.ts';
export * from './frames.ts';
export * from './sfu.ts';
