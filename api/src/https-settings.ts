/**
 * HTTPS for the platform's own HTTP server (API, console, and the SIP WebSocket, which then is WSS):
 * HTTPS_CERT and HTTPS_KEY name PEM files. Browsers give the microphone (getUserMedia) only to secure
 * pages, so agents off localhost need this, or a TLS reverse proxy in front (see the README).
 * The files are read and checked at start-up: a wrong path stops it with the variable and the path.
 */
import fs from 'node:fs';
import tls from 'node:tls';

export interface HttpsFiles {
  certFile: string;
  keyFile: string;
}

export interface HttpsCertificate {
  cert: Buffer;
  key: Buffer;
}

/** An HTTPS_* setting that cannot work; the message names the variable and the path. */
export class HttpsSettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpsSettingError';
  }
}

/** The certificate files from the environment, or null (plain HTTP) when neither is set. */
export const httpsFilesFrom = (env: NodeJS.ProcessEnv): HttpsFiles | null => {
  const certFile = env.HTTPS_CERT?.trim() ?? '';
  const keyFile = env.HTTPS_KEY?.trim() ?? '';
  if (certFile === '' && keyFile === '') return null;
  if (certFile === '') throw new HttpsSettingError('HTTPS_KEY is set but HTTPS_CERT is not: both must name PEM files to serve HTTPS');
  if (keyFile === '') throw new HttpsSettingError('HTTPS_CERT is set but HTTPS_KEY is not: both must name PEM files to serve HTTPS');
  return { certFile, keyFile };
};

const readPem = (variable: string, file: string): Buffer => {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const why = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new HttpsSettingError(`${variable}: cannot read '${file}' (${why}); it must name a readable PEM file`);
  }
};

/** Reads the certificate and key, and checks they make a TLS context (a key of another certificate does not). */
export const readHttpsCertificate = (files: HttpsFiles): HttpsCertificate => {
  const certificate = { cert: readPem('HTTPS_CERT', files.certFile), key: readPem('HTTPS_KEY', files.keyFile) };
  try {
    tls.createSecureContext(certificate);
  } catch (error) {
    throw new HttpsSettingError(`HTTPS_CERT '${files.certFile}' / HTTPS_KEY '${files.keyFile}': not a usable certificate and key (${error instanceof Error ? error.message : String(error)})`);
  }
  return certificate;
};
