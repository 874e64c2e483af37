/** A throwaway certificate for 127.0.0.1 (openssl), for servers the tests start with TLS on loopback. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export async function selfSignedCert(dir: string): Promise<{ cert: string; key: string }> {
  const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
  await promisify(execFile)('openssl', [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'],
    ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
  ]);
  return { cert, key };
}
