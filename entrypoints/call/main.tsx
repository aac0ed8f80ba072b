import { render } from 'preact';
import { CallPage } from '../../src/extension/ui/call/CallPage.tsx';
import '../../src/extension/ui/styles.css';

render(<CallPage />, document.getElementById('app')!);
