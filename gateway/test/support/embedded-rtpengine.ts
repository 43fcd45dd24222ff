/**
 * For a describe block whose tests need the gateway's own rtpengine whatever the environment says:
 * sets RTPENGINE=embedded before its tests and puts the previous value back after them.
 */
import { afterAll, beforeAll } from 'vitest';

export const useEmbeddedRtpengine = (): void => {
  const previousSetting = process.env.RTPENGINE;
  beforeAll(() => {
    process.env.RTPENGINE = 'embedded';
  });
  afterAll(() => {
    if (previousSetting === undefined) delete process.env.RTPENGINE;
    else process.env.RTPENGINE = previousSetting;
  });
};
