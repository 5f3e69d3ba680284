// Google ID token checks the API relies on. Signature verification is google-auth-library's job
// in production; this fixture models tokens as unsigned JWTs so tests can build every shape.
export class TokenError extends Error {
  constructor(errorCode, verifyReason, claims = {}) {
    super(verifyReason);
    this.errorCode = errorCode;
    this.verifyReason = verifyReason;
    this.claims = claims;
  }
}

const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');

export function makeIdToken(claims) {
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.sig`;
}

export function decodeClaims(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) {
    throw new TokenError('ACCESS_TOKEN_NOT_ID_TOKEN', `Wrong number of segments in token: ${parts.length}`);
  }
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('MALFORMED_TOKEN', 'Token payload is not JSON');
  }
}

export function verifyIdToken(token, audience, nowMs) {
  const claims = decodeClaims(token);
  if (!audience) throw new TokenError('AUDIENCE_NOT_CONFIGURED', 'INVOKER_TOKEN_AUDIENCE is not set', claims);
  if (claims.aud !== audience) {
    throw new TokenError('AUDIENCE_MISMATCH', 'Wrong recipient, payload audience != requiredAudience', claims);
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) {
    throw new TokenError('TOKEN_EXPIRED', `Token used too late, ${Math.floor(nowMs / 1000)} > ${claims.exp}`, claims);
  }
  return claims;
}
