import { render } from 'preact';
import { CallPage } from '../../src/extension/ui/call/CallPage.tsx';
import { createCallChat } from '../../src/extension/call/sdk.ts';
import '../../src/extension/ui/styles.css';

render(<CallPage createChat={createCallChat} />, document.getElementById('app')!);
