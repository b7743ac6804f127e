// The share-link form (pages/share) → the body of POST /v1/shares, checked
// the way the engine checks it: every link expires (here 1 to 90 days, the
// engine's default MEDIA_SHARE_MAX_TTL), a password is 4 to 64 characters.
const DAY = 24 * 60 * 60

const EXPIRY_CHOICES = [
  { label: '1 天', seconds: DAY },
  { label: '7 天', seconds: 7 * DAY },
  { label: '30 天', seconds: 30 * DAY },
  { label: '90 天', seconds: 90 * DAY },
]

// shareRequest({albumId, expiryIndex, usePassword, password, allowDownload,
// showDates}) → {error} or {request: {albumId, expiresIn, password?,
// allowDownload, showDates}}.
function shareRequest(form) {
  const choice = EXPIRY_CHOICES[form.expiryIndex]
  if (!choice) return { error: '请选择有效期' }
  const request = {
    albumId: form.albumId,
    expiresIn: choice.seconds,
    allowDownload: !!form.allowDownload,
    showDates: !!form.showDates,
  }
  if (form.usePassword) {
    const pw = form.password || ''
    if (pw.length < 4 || pw.length > 64) return { error: '密码需为 4 到 64 个字符' }
    request.password = pw
  }
  return { request }
}

module.exports = { EXPIRY_CHOICES, shareRequest }
