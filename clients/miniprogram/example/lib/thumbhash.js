// The average colour of a ThumbHash (the `placeholder` the engine sends with
// each item): shown under a thumbnail while it loads. Only the 5-byte header
// is read (this is thumbHashToAverageRGBA of the ThumbHash reference
// implementation); no atob in the mini-program, so base64 is decoded here.
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

function decodeBase64(s) {
  const clean = String(s || '').replace(/[^A-Za-z0-9+/]/g, '')
  const out = []
  let bits = 0
  let acc = 0
  for (let i = 0; i < clean.length; i++) {
    acc = (acc << 6) | B64.indexOf(clean[i])
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out.push((acc >> bits) & 0xff)
    }
  }
  return out
}

function averageRGBA(hash) {
  if (hash.length < 5) return null
  const header = hash[0] | (hash[1] << 8) | (hash[2] << 16)
  const l = (header & 63) / 63
  const p = ((header >> 6) & 63) / 31.5 - 1
  const q = ((header >> 12) & 63) / 31.5 - 1
  const hasAlpha = header >> 23
  const a = hasAlpha ? (hash[5] & 15) / 15 : 1
  const b = l - (2 / 3) * p
  const r = (3 * l - b + q) / 2
  const g = r - q
  const clamp = (x) => Math.max(0, Math.min(1, x))
  return { r: clamp(r), g: clamp(g), b: clamp(b), a }
}

// averageColor(base64) → "rgb(…)" or the given fallback.
function averageColor(placeholder, fallback = '#e9e9e9') {
  const c = placeholder ? averageRGBA(decodeBase64(placeholder)) : null
  if (!c) return fallback
  const to = (x) => Math.round(x * 255)
  return `rgb(${to(c.r)}, ${to(c.g)}, ${to(c.b)})`
}

// encodeAverage(r, g, b) → a minimal ThumbHash (header only, no detail)
// whose average colour is about (r, g, b), 0..255. For the demo data.
function encodeAverage(r, g, b) {
  const R = r / 255
  const G = g / 255
  const Bl = b / 255
  const l = (R + G + Bl) / 3
  const p = (R + G) / 2 - Bl
  const q = R - G
  const lDC = Math.round(l * 63)
  const pDC = Math.round(p * 31.5 + 31.5)
  const qDC = Math.round(q * 31.5 + 31.5)
  const header24 = lDC | (pDC << 6) | (qDC << 12) // l_scale 0, no alpha
  const header16 = 3 // l_count 3, scales 0, portrait
  const bytes = [header24 & 255, (header24 >> 8) & 255, header24 >> 16, header16 & 255, header16 >> 8, 0, 0]
  let s = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0)
    s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63]
    s += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '='
    s += i + 2 < bytes.length ? B64[n & 63] : '='
  }
  return s
}

module.exports = { decodeBase64, averageRGBA, averageColor, encodeAverage }
