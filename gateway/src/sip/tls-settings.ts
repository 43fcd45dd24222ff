/**
 * SIP over TLS (RFC 3261 26.2) for the embedded edge, from the environment: SIP_TLS_PORT turns the
 * listener on, SIP_TLS_CERT / SIP_TLS_KEY name its PEM files, SIP_TLS_VERIFY=off stops checking the
 * certificates of peers we connect to, SIP_TLS_CA adds trusted CAs (PEM) to Node's bundled roots.
 * Everything is read and checked here, at start-up, so a wrong path stops the gateway with a
 * message naming the variable and the file instead of failing on the first call.
 */
import fs from 'node:fs';
import tls from 'node:tls';

export interface SipTlsSettings {
  /** The TLS listener's port; 0 picks a free one. */
  port: number;
  cert: Buffer;
  key: Buffer;
  /** Check the certificate of every peer the edge connects to (phones, trunk). */
  verifyPeers: boolean;
  /** Extra trusted CAs (PEM), or null: Node's bundled roots only. */
  ca: Buffer | null;
}

/** A SIP_TLS_* setting that cannot work: the message names the variable and, for files, the path. */
export class SipTlsSettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SipTlsSettingError';
  }
}

const readPem = (variable: string, file: string): Buffer => {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const why = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new SipTlsSettingError(`${variable}: cannot read '${file}' (${why}); it must name a readable PEM file`);
  }
};

/** The settings, or null when SIP_TLS_PORT is unset or 'off' (no TLS). */
export const sipTlsSettingsFrom = (env: NodeJS.ProcessEnv): SipTlsSettings | null => {
  const portText = env.SIP_TLS_PORT?.trim() ?? '';
  const certFile = env.SIP_TLS_CERT?.trim() ?? '';
  const keyFile = env.SIP_TLS_KEY?.trim() ?? '';
  if (portText === '' || portText === 'off') {
    if (certFile !== '' || keyFile !== '') throw new SipTlsSettingError('SIP_TLS_CERT / SIP_TLS_KEY are set but SIP_TLS_PORT is not: set it (e.g. 5061) to listen for SIP over TLS');
    return null;
  }
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SipTlsSettingError(`SIP_TLS_PORT: '${portText}' is not a port number`);
  if (certFile === '') throw new SipTlsSettingError('SIP_TLS_PORT is set but SIP_TLS_CERT is not: it must name the PEM certificate (chain) of the listener');
  if (keyFile === '') throw new SipTlsSettingError('SIP_TLS_PORT is set but SIP_TLS_KEY is not: it must name the PEM private key of SIP_TLS_CERT');
  const verifyText = env.SIP_TLS_VERIFY?.trim().toLowerCase() ?? '';
  if (verifyText !== '' && verifyText !== 'on' && verifyText !== 'off') throw new SipTlsSettingError(`SIP_TLS_VERIFY: '${env.SIP_TLS_VERIFY}' is neither 'on' nor 'off'`);
  const caFile = env.SIP_TLS_CA?.trim() ?? '';
  const settings: SipTlsSettings = {
    port,
    cert: readPem('SIP_TLS_CERT', certFile),
    key: readPem('SIP_TLS_KEY', keyFile),
    verifyPeers: verifyText !== 'off',
    ca: caFile === '' ? null : readPem('SIP_TLS_CA', caFile),
  };
  // Readable is not usable: a key that does not match the certificate, or a file that is no PEM, fails here.
  try {
    tls.createSecureContext({ cert: settings.cert, key: settings.key, ...(settings.ca === null ? {} : { ca: settings.ca }) });
  } catch (error) {
    throw new SipTlsSettingError(
      `SIP_TLS_CERT '${certFile}' / SIP_TLS_KEY '${keyFile}'${caFile === '' ? '' : ` / SIP_TLS_CA '${caFile}'`}: not a usable certificate and key (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return settings;
};

/**
 * A `sips:` trunk URI as `sip:…;transport=tls`: the trunk's request URIs are built from its host and
 * parameters (`sip:<number>@<host>`), so a scheme alone would be lost and the trunk dialled in clear.
 */
export const trunkUriKeepingTls = (trunkUri: string): string => {
  const uri = trunkUri.trim();
  if (!/^sips:/i.test(uri)) return uri;
  const plain = `sip:${uri.slice(5)}`;
  return /;transport=/i.test(plain) ? plain.replace(/;transport=[^;?]*/i, ';transport=tls') : `${plain};transport=tls`;
};
