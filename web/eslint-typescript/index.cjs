// This package's own TypeScript (6.x, see package.json), not the app's.
module.exports = require('typescript');
