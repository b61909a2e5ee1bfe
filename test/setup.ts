// Node 20 lacks Promise.withResolvers (libp2p needs it) and a global WebSocket (outgoing libp2p dials need it).
import '../src/node/polyfills'
