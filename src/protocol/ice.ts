/** STUN/TURN servers as `getIceServers` hands them to a client's RTCPeerConnection. */

/** One entry of `RTCConfiguration.iceServers`; TURN entries carry short-lived credentials. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** What `getIceServers` answers: the servers, and how long their TURN credentials last (s). */
export interface IceServers {
  iceServers: IceServer[];
  ttl: number;
}
