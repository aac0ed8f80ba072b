import { render } from 'preact';
import { Options } from '../../src/extension/ui/options/Options.tsx';
import '../../src/extension/ui/styles.css';
import '../../src/extension/ui/options/options.css';

render(<Options />, document.getElementById('app')!);
