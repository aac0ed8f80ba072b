/** Entry of the SFU test page: the call window's SFU modules, exposed to the test. */
import { SfuCall } from '../../src/extension/call/sfu/sfu-call.ts';
import { SfuRoom } from '../../src/extension/call/sfu/sfu-room.ts';

Object.assign(globalThis, { SfuRoom, SfuCall });
