// Reference StandardMerkleTree (@openzeppelin/merkle-tree) for the Python cross-implementation test.
// stdin: {"types": [...], "values": [[...], ...]}  (numbers as decimal strings)
// stdout: {"root": "0x..", "proofs": [[..], ..] (per value index), "dump": {...}}
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { types, values } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const tree = StandardMerkleTree.of(values, types);
const proofs = values.map((_, i) => tree.getProof(i));
process.stdout.write(JSON.stringify({ root: tree.root, proofs, dump: tree.dump() }));
