/**
 * The Node.js flags the API process runs with: in the image's ENTRYPOINT, in `npm start`, and in
 * the benchmarks that start the server (a test checks that they agree).
 *
 * `--max-semi-space-size=64` (MiB; Node 20's default is 16): a GraphQL request allocates many
 * short-lived objects (rows, nodes, ids, cursors, the response), and a small young generation
 * scavenges so often that objects of requests still in flight survive and are promoted to the old
 * generation, which then needs full collections. A larger young generation lets them die young.
 * It costs up to 2 × 64 MiB more heap under load (the API pod requests 512 MiB).
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
