/**
 * The call window's own microphone and camera. Tracks are opened once and swapped on
 * the senders (peer.ts): muting takes the microphone off the senders (no audio packets
 * leave at all) but keeps it open for a quick unmute; turning the camera off stops it,
 * so its light goes out.
 */

/** Small video: a mesh of up to 6 sends one stream per peer. */
export const VIDEO_CONSTRAINTS: MediaTrackConstraints = { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 15 } };

export interface DeviceLists {
  microphones: MediaDeviceInfo[];
  cameras: MediaDeviceInfo[];
  speakers: MediaDeviceInfo[];
}

export class LocalMedia {
  mic: MediaStreamTrack | null = null;
  camera: MediaStreamTrack | null = null;
  micDevice = '';
  cameraDevice = '';
  /** Local preview (camera only: my own voice is never played back). */
  readonly preview = new MediaStream();

  async openMic(deviceId = this.micDevice): Promise<MediaStreamTrack> {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: deviceId ? { deviceId: { exact: deviceId } } : true,
    });
    const track = stream.getAudioTracks()[0]!;
    this.mic?.stop();
    this.mic = track;
    this.micDevice = track.getSettings().deviceId ?? deviceId;
    return track;
  }

  async openCamera(deviceId = this.cameraDevice): Promise<MediaStreamTrack> {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { ...VIDEO_CONSTRAINTS, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) },
    });
    const track = stream.getVideoTracks()[0]!;
    this.stopCamera();
    this.camera = track;
    this.cameraDevice = track.getSettings().deviceId ?? deviceId;
    this.preview.addTrack(track);
    return track;
  }

  stopCamera(): void {
    if (!this.camera) return;
    this.preview.removeTrack(this.camera);
    this.camera.stop();
    this.camera = null;
  }

  async devices(): Promise<DeviceLists> {
    const all = await navigator.mediaDevices.enumerateDevices();
    return {
      microphones: all.filter((d) => d.kind === 'audioinput'),
      cameras: all.filter((d) => d.kind === 'videoinput'),
      speakers: all.filter((d) => d.kind === 'audiooutput'),
    };
  }

  close(): void {
    this.mic?.stop();
    this.mic = null;
    this.stopCamera();
  }
}
