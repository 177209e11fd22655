"use strict";

// Offline checks (no server needed): the spec's test vectors hold for the
// published client library, key generation and signing work, and the
// committed vectors.json equals a fresh deterministic generation.

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { describe, it, before } = require("node:test");
const { CoreAddress, CoreDate, CoreId } = require("@nmshd/core-types");
const { CoreBuffer, CryptoSignature, CryptoSignaturePublicKey, CryptoSignatures, Encoding, SodiumWrapper } = require("@nmshd/crypto");
const { Challenge, ChallengeSigned, ChallengeType, CoreCrypto, IdentityUtil } = require("@nmshd/transport");

const { generateVectors, keypairFromSeed, decodeWrapper } = require("./lib/vectors");

before(async () => {
    await SodiumWrapper.ready();
});

describe("client-expectations.md §4.1 test vector", () => {
    const identityPublicKey =
        "eyJwdWIiOiI3NS1Yc2Q2VklVRmQwTTVGQjMtMmdhVmZDcVdJaDB6TUoxNk5HOGNYcHJjIiwiYWxnIjozLCJAdHlwZSI6IkNyeXB0b1NpZ25hdHVyZVB1YmxpY0tleSJ9";
    const challenge = '{"expiresAt":"2030-01-01T00:00:00.000Z","id":"CHLabcdefghijklmnopq","type":"Identity"}';
    const signature =
        "eyJzaWciOiJ3MWVQRW1sUERlMWFDbHRjTmpPb1l0Ql8xMFE2ajZUc2F5bnpkZEhmR3VxLU44VnI2UTR2M3p2M1k2WFR3WEZZVl9MWFRIYWtZZUg1NUN5c0d4M21EUSIsImFsZyI6MiwiQHR5cGUiOiJDcnlwdG9TaWduYXR1cmUifQ";

    it("decodes the public key wrapper", () => {
        const publicKey = CryptoSignaturePublicKey.fromBase64(identityPublicKey);
        assert.equal(publicKey.algorithm, 3);
        assert.equal(publicKey.publicKey.toString(Encoding.Hex), "ef9f97b1de9521415dd0ce45077fb681a55f0aa588874ccc275e8d1bc717a6b7");
        assert.deepEqual(decodeWrapper(identityPublicKey), {
            pub: "75-Xsd6VIUFd0M5FB3-2gaVfCqWIh0zMJ16NG8cXprc",
            alg: 3,
            "@type": "CryptoSignaturePublicKey"
        });
        // re-encoding with the package gives the same string
        assert.equal(publicKey.toBase64(), identityPublicKey);
    });

    it("the signature verifies over the exact challenge string (CoreCrypto and CryptoSignatures)", async () => {
        const publicKey = CryptoSignaturePublicKey.fromBase64(identityPublicKey);
        const sig = CryptoSignature.fromBase64(signature);
        assert.equal(sig.signature.buffer.length, 64);
        assert.equal(await CoreCrypto.verify(CoreBuffer.fromUtf8(challenge), sig, publicKey), true);
        assert.equal(await CryptoSignatures.verify(CoreBuffer.fromUtf8(challenge), sig, publicKey), true);
        // and not over a re-serialised / modified challenge
        const reordered = '{"id":"CHLabcdefghijklmnopq","expiresAt":"2030-01-01T00:00:00.000Z","type":"Identity"}';
        assert.equal(await CoreCrypto.verify(CoreBuffer.fromUtf8(reordered), sig, publicKey), false);
        // ChallengeSigned.fromJSON accepts the wire form
        const signed = ChallengeSigned.fromJSON({ challenge, signature });
        assert.equal(signed.challenge, challenge);
        assert.equal(signed.signature.toBase64(), signature);
    });

    it("Challenge serialises exactly to the vector's challenge string", () => {
        const c = Challenge.from({
            id: CoreId.from("CHLabcdefghijklmnopq"),
            expiresAt: CoreDate.from("2030-01-01T00:00:00.000Z"),
            type: ChallengeType.Identity
        });
        assert.equal(c.serialize(false), challenge);
    });

    it("IdentityUtil computes did:e:localhost:dids:5d7f1254ca138362318ad1", async () => {
        const publicKey = CryptoSignaturePublicKey.fromBase64(identityPublicKey);
        const address = await IdentityUtil.createAddress(publicKey, "localhost");
        assert.equal(address.toString(), "did:e:localhost:dids:5d7f1254ca138362318ad1");
        assert.equal(await IdentityUtil.checkAddress(address, "localhost", publicKey), true);
        const ipAddress = await IdentityUtil.createAddress(publicKey, "127.0.0.1");
        assert.equal(ipAddress.toString(), "did:e:127.0.0.1:dids:5d7f1254ca138362318a53");
    });
});

describe("consumer-api-identities-devices-sync.md §4.2/§4.3 test vectors", () => {
    it("seed 0x00..0x1f: key, signature (wrapper without @type) and address", async () => {
        const keypair = await keypairFromSeed("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        assert.equal(Buffer.from(keypair.publicKey.publicKey.buffer).toString("base64url"), "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg");

        const identityPublicKey = "eyJwdWIiOiJBNkVIdl9QT0VMNGRjTjBZNTB2QW1XZmsxakNicFExZkhkeUdaQkpWTWJnIiwiYWxnIjozfQ";
        const publicKey = CryptoSignaturePublicKey.fromBase64(identityPublicKey);
        assert.ok(publicKey.publicKey.equals(keypair.publicKey.publicKey));

        const challenge = '{"id":"CHLAAAAAAAAAAAAAAAAA","expiresAt":"2030-01-01T00:00:00.000Z","type":"Identity"}';
        const signature =
            "eyJzaWciOiJLc0EzR21oUGlUNDZIU3pncGJwTnBNczgyZXAxNFFyVTlyclhCQUlUZzZFN1hzS2JiU2YzVC01V2I3N2psZ25aaU94R2t1YzRBTi1qS2phQk1idDhCdyIsImFsZyI6Mn0";
        const sig = CryptoSignature.fromBase64(signature);
        assert.equal(await CoreCrypto.verify(CoreBuffer.fromUtf8(challenge), sig, publicKey), true);
        // Ed25519 is deterministic: the package produces the same signature bytes
        const own = await CoreCrypto.sign(CoreBuffer.fromUtf8(challenge), keypair.privateKey);
        assert.ok(own.signature.equals(sig.signature));

        const address = await IdentityUtil.createAddress(publicKey, "localhost");
        assert.equal(address.toString(), "did:e:localhost:dids:76a33ea3665eef489c70bb");
    });

    it("reference addresses for prod.enmeshed.eu", async () => {
        const cases = [
            ["tB9KFp/YqHrom3m5qUuZsd6l30DkaNjN14SxRw7YZuI=", "did:e:prod.enmeshed.eu:dids:56b3f2a0c202e27229aa87"],
            ["49fWA+kzWNdCFdo92imTiQ4vUUJsPPLNlcB9udC4ooE=", "did:e:prod.enmeshed.eu:dids:06a391378e5df5c1399f77"]
        ];
        for (const [raw, expected] of cases) {
            const publicKey = CryptoSignaturePublicKey.from({ algorithm: 3, publicKey: CoreBuffer.from(Buffer.from(raw, "base64")) });
            assert.equal((await IdentityUtil.createAddress(publicKey, "prod.enmeshed.eu")).toString(), expected);
        }
    });
});

describe("key generation and challenge signing with the package", () => {
    it("CoreCrypto key pair signs a Challenge that verifies, and wire forms round-trip", async () => {
        const keypair = await CoreCrypto.generateSignatureKeypair();
        assert.equal(keypair.publicKey.publicKey.buffer.length, 32);
        const wrapper = decodeWrapper(keypair.publicKey.toBase64());
        assert.deepEqual(Object.keys(wrapper), ["pub", "alg", "@type"]);
        assert.equal(wrapper.alg, 3);

        const address = await IdentityUtil.createAddress(keypair.publicKey, "localhost");
        const challenge = Challenge.from({
            id: CoreId.from("CHLabcdefghijklmnopq"),
            expiresAt: CoreDate.utc().add({ minutes: 10 }),
            createdBy: CoreAddress.from(address.toString()),
            createdByDevice: CoreId.from("DVCabcdefghijklmnopq"),
            type: ChallengeType.Identity
        });
        const serialized = challenge.serialize(false);
        assert.deepEqual(Object.keys(JSON.parse(serialized)), ["createdBy", "createdByDevice", "expiresAt", "id", "type"]);

        const signature = await CoreCrypto.sign(CoreBuffer.fromUtf8(serialized), keypair.privateKey);
        const sigWrapper = decodeWrapper(signature.toBase64());
        assert.deepEqual(Object.keys(sigWrapper), ["sig", "alg", "@type"]);
        assert.equal(sigWrapper.alg, 2);

        const signed = ChallengeSigned.from({ challenge: serialized, signature });
        assert.deepEqual(Object.keys(signed.toJSON(false)), ["challenge", "signature"]);
        assert.deepEqual(Object.keys(signed.toJSON()), ["challenge", "signature", "@type"]);
        const roundTripped = ChallengeSigned.fromJSON(signed.toJSON());
        assert.equal(await CoreCrypto.verify(CoreBuffer.fromUtf8(roundTripped.challenge), roundTripped.signature, keypair.publicKey), true);
    });
});

describe("vectors.json", () => {
    const file = path.join(__dirname, "vectors.json");

    it("equals a fresh deterministic generation (run `npm run vectors` after intended changes)", async () => {
        const committed = JSON.parse(fs.readFileSync(file, "utf8"));
        const fresh = await generateVectors();
        assert.deepEqual(committed, fresh);
    });

    it("its signatures verify against its identity key and its address is IdentityUtil's", async () => {
        const v = JSON.parse(fs.readFileSync(file, "utf8"));
        const publicKey = CryptoSignaturePublicKey.fromBase64(v.identity.identityPublicKey);
        assert.equal((await IdentityUtil.createAddress(publicKey, v.identity.didDomain)).toString(), v.identity.address);
        for (const c of [v.identityCreationChallenge, v.deviceRegistrationChallenge]) {
            const sig = CryptoSignature.fromBase64(c.signature);
            assert.equal(await CoreCrypto.verify(CoreBuffer.fromUtf8(c.challenge), sig, publicKey), true);
        }
        const device = JSON.parse(v.deviceRegistrationChallenge.challenge);
        assert.equal(device.createdBy, v.identity.address);
        // the captured bodies carry these signed challenges
        assert.deepEqual(JSON.parse(v.requests.createIdentity.body).signedChallenge, v.identityCreationChallenge.signedChallengeNonVerbose);
        assert.deepEqual(JSON.parse(v.requests.createDevice.body).signedChallenge, v.deviceRegistrationChallenge.signedChallengeVerbose);
    });
});
