#!/usr/bin/env node
// Builds the SDK (clients/miniprogram/src/*.ts) into this mini-program's
// miniprogram_npm/@wxalbum/mediad-sdk/, where `require('@wxalbum/mediad-sdk')`
// in lib/api.js finds it in WeChat DevTools and on the phone:
//
//   npm run sdk            (from clients/miniprogram/example)
//
// Each file is transpiled on its own (TypeScript's transpileModule: CommonJS,
// ES2017, no type check; the SDK's own `npm run build` type-checks it).
// The tests use the same function (test/sdk.js) to run the adapter against
// the SDK as it is now.
const fs = require('fs')
const path = require('path')
const ts = require('typescript')

const SRC = path.resolve(__dirname, '..', '..', 'src')
const DEST = path.resolve(__dirname, '..', 'miniprogram_npm', '@wxalbum', 'mediad-sdk')

// buildSdk(dest) writes one .js per .ts of src/ (index.js is the entry) and
// returns dest.
function buildSdk(dest = DEST, src = SRC) {
  if (!fs.existsSync(path.join(src, 'index.ts'))) {
    throw new Error(`no SDK at ${src} (index.ts missing)`)
  }
  fs.rmSync(dest, { recursive: true, force: true })
  fs.mkdirSync(dest, { recursive: true })
  for (const name of fs.readdirSync(src)) {
    if (!name.endsWith('.ts') || name.endsWith('.d.ts')) continue
    const out = ts.transpileModule(fs.readFileSync(path.join(src, name), 'utf8'), {
      fileName: name,
      compilerOptions: {
        target: ts.ScriptTarget.ES2017,
        module: ts.ModuleKind.CommonJS,
        esModuleInterop: false,
        sourceMap: false,
      },
      reportDiagnostics: true,
    })
    if (out.diagnostics && out.diagnostics.length) {
      const msg = out.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n')
      throw new Error(`${name}: ${msg}`)
    }
    fs.writeFileSync(path.join(dest, name.replace(/\.ts$/, '.js')), out.outputText)
  }
  fs.writeFileSync(
    path.join(dest, 'package.json'),
    `${JSON.stringify({ name: '@wxalbum/mediad-sdk', private: true, main: 'index.js' }, null, 2)}\n`,
  )
  return dest
}

module.exports = { buildSdk, SRC, DEST }

if (require.main === module) {
  try {
    const dest = buildSdk()
    console.log(`SDK built into ${path.relative(process.cwd(), dest)}`)
  } catch (e) {
    console.error(e.message)
    process.exit(1)
  }
}
