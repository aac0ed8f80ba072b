import { render } from 'preact';
import { CallPage } from '../../src/extension/ui/call/CallPage.tsx';
import { createChat, EVENT } from '../../src/sdk/index.ts';
import '../../src/extension/ui/styles.css';

render(<CallPage createChat={(o) => createChat(o)} messageEvent={EVENT.MESSAGE_RECEIVED} />, document.getElementById('app')!);
