import { render } from 'preact';
import { Popup } from '../../src/extension/ui/popup/Popup.tsx';
import '../../src/extension/ui/styles.css';

render(<Popup />, document.getElementById('app')!);
