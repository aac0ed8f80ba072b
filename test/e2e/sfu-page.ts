/** Entry of the SFU test page: the call window's SFU module, exposed to the test. */
import { SfuRoom } from '../../src/extension/call/sfu/sfu-room.ts';

(globalThis as unknown as { SfuRoom: typeof SfuRoom }).SfuRoom = SfuRoom;
