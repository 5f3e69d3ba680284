// End-user auth (Firebase ID token in production; the fixture's ctx.users maps tokens to uids).
export async function requireUser(req, res, next) {
  const header = String(req.headers.authorization || '');
  const uid = header.startsWith('Bearer ') ? req.ctx.users[header.slice('Bearer '.length)] : undefined;
  if (!uid) {
    req.ctx.log.warn({ message: 'user_auth_rejected', rid: req.rid });
    return res.code(401).json({ ok: false, error: 'unauthenticated', rid: req.rid });
  }
  req.uid = uid;
  return next();
}
