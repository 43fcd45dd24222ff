/**
 * Call quality from the peer connection's WebRTC statistics: bytes and packets received and sent,
 * loss and jitter of the inbound audio. Shown to the agent (and read by the end-to-end tests).
 */
export interface CallQuality {
  bytesReceived: number;
  bytesSent: number;
  packetsLost: number;
  packetsReceived: number;
  /** Inbound audio jitter in milliseconds, or null before any audio. */
  jitterMs: number | null;
}

export const EMPTY_QUALITY: CallQuality = { bytesReceived: 0, bytesSent: 0, packetsLost: 0, packetsReceived: 0, jitterMs: null };

export const readQuality = async (connection: RTCPeerConnection): Promise<CallQuality> => {
  const report = await connection.getStats();
  const quality = { ...EMPTY_QUALITY };
  report.forEach((entry: { type: string; kind?: string; bytesReceived?: number; bytesSent?: number; packetsLost?: number; packetsReceived?: number; jitter?: number }) => {
    if (entry.type === 'inbound-rtp') {
      quality.bytesReceived += entry.bytesReceived ?? 0;
      quality.packetsLost += entry.packetsLost ?? 0;
      quality.packetsReceived += entry.packetsReceived ?? 0;
      if (entry.kind === 'audio' && entry.jitter !== undefined) quality.jitterMs = Math.round(entry.jitter * 1000);
    } else if (entry.type === 'outbound-rtp') quality.bytesSent += entry.bytesSent ?? 0;
  });
  return quality;
};

/** Good / fair / poor from the loss ratio and jitter, the way agents read a signal-bars icon. */
export const qualityGrade = (quality: CallQuality): 'good' | 'fair' | 'poor' | 'waiting' => {
  if (quality.packetsReceived === 0) return 'waiting';
  const loss = quality.packetsLost / (quality.packetsLost + quality.packetsReceived);
  const jitter = quality.jitterMs ?? 0;
  if (loss > 0.05 || jitter > 60) return 'poor';
  if (loss > 0.01 || jitter > 30) return 'fair';
  return 'good';
};
