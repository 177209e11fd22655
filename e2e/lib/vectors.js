"use strict";

// Deterministic test vectors produced with the real @nmshd/transport 7.0.0
// classes, for the Go implementation:
//   (a) an authenticated device-registration challenge, serialised and signed
//       exactly as ChallengeController.createChallenge does it;
//   (b) the exact HTTP requests (body bytes + relevant headers) the package's
//       clients send, captured on the wire by a local capture server.
// `npm run vectors` writes them to e2e/vectors.json; vectors.test.js checks
// that the committed file equals a fresh generation.

const http = require("node:http");
const { CoreAddress, CoreDate, CoreId } = require("@nmshd/core-types");
const {
    CoreBuffer,
    CryptoSignatureKeypair,
    CryptoSignaturePrivateKey,
    CryptoSignaturePublicKey,
    Encoding,
    SodiumWrapper
} = require("@nmshd/crypto");
const { Challenge, ChallengeSigned, ChallengeType, CoreCrypto, IdentityUtil, Transport } = require("@nmshd/transport");

const { buildCreateDeviceRequest, buildCreateIdentityRequest } = require("./accounts");
const { anonymousClients, authenticatedClients, DeviceCredentialsAuthenticator } = require("./clients");

const SEED_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const DID_DOMAIN = "localhost";
const EXPIRES_AT = "2030-01-01T00:00:00.000Z";
const ANONYMOUS_CHALLENGE_ID = "CHLvectorAnonymous01";
const DEVICE_CHALLENGE_ID = "CHLvectorChallenge01";
const FIRST_DEVICE_ID = "DVCvectorDevice00001";
const FIRST_DEVICE_USERNAME = "USRvectorUser0000001";
const SECOND_DEVICE_ID = "DVCvectorDevice00002";
const SECOND_DEVICE_USERNAME = "USRvectorUser0000002";
const CLIENT_ID = "test";
const CLIENT_SECRET = "test";
// The package generates device passwords with PasswordGenerator.createStrongPassword(45, 50)
// (random); fixed ones here, using the same kinds of characters, to keep the vectors stable.
const FIRST_DEVICE_PASSWORD = "k4#Vq:XpL,9mZ;tR+wE?b2Nf!Hj7Dc_Ys-Ua8Ge*Wn3Tr5K";
const SECOND_DEVICE_PASSWORD = "P7y?Lm,2Kq:Xn#Vb+Rt9;Wz!Dh-Fj_Sc4Gu8Ea*Ns3Ty6M";
const SECOND_DEVICE_NEW_PASSWORD = "Zx9!Qw#Er4;Ty:Ui,Op+As?Df-Gh_Jk2Lz8Xc*Vb3Nm7Qa";
const TOKEN = "vector-access-token";

const b64url = (buffer) => Buffer.from(buffer).toString("base64url");
const decodeWrapper = (b64) => JSON.parse(Buffer.from(b64, "base64url").toString("utf8"));

/** Ed25519 key pair from a fixed seed, as the package's CryptoSignatureKeypair. */
async function keypairFromSeed(seedHex = SEED_HEX) {
    const sodium = await SodiumWrapper.ready();
    const pair = sodium.crypto_sign_seed_keypair(CoreBuffer.fromString(seedHex, Encoding.Hex).buffer);
    return CryptoSignatureKeypair.from({
        privateKey: CryptoSignaturePrivateKey.from({ algorithm: 3, privateKey: CoreBuffer.from(pair.privateKey) }),
        publicKey: CryptoSignaturePublicKey.from({ algorithm: 3, publicKey: CoreBuffer.from(pair.publicKey) })
    });
}

async function signedChallengeVector(keypair, challengeFields) {
    const challenge = Challenge.from({
        id: CoreId.from(challengeFields.id),
        expiresAt: CoreDate.from(challengeFields.expiresAt),
        createdBy: challengeFields.createdBy ? CoreAddress.from(challengeFields.createdBy) : undefined,
        createdByDevice: challengeFields.createdByDevice ? CoreId.from(challengeFields.createdByDevice) : undefined,
        type: ChallengeType.Identity
    });
    const serialized = challenge.serialize(false);
    const signature = await CoreCrypto.sign(CoreBuffer.fromUtf8(serialized), keypair.privateKey);
    const signedChallenge = ChallengeSigned.from({ challenge: serialized, signature });
    const signatureBase64 = signature.toBase64();
    return {
        signedChallenge,
        vector: {
            challenge: serialized,
            signature: signatureBase64,
            signatureWrapperJson: Buffer.from(signatureBase64, "base64url").toString("utf8"),
            rawSignatureHex: signature.signature.toString(Encoding.Hex),
            signedChallengeVerbose: signedChallenge.toJSON(true),
            signedChallengeNonVerbose: signedChallenge.toJSON(false)
        }
    };
}

/** Starts a 127.0.0.1 server that records requests and answers like the Backbone would. */
async function startCaptureServer(address) {
    const captured = [];
    const server = http.createServer((req, res) => {
        const chunks = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
            const body = Buffer.concat(chunks).toString("utf8");
            const headers = {};
            for (const name of ["content-type", "content-length", "accept", "authorization", "user-agent", "accept-encoding"]) {
                if (req.headers[name] !== undefined) headers[name] = req.headers[name];
            }
            captured.push({ method: req.method, path: req.url, headers, body });
            const json = (status, payload) => {
                res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
                res.end(JSON.stringify(payload));
            };
            const now = "2029-12-31T23:50:00.000Z";
            switch (`${req.method} ${req.url}`) {
                case "POST /api/v2/Identities":
                    return json(201, {
                        result: { address, createdAt: now, device: { id: FIRST_DEVICE_ID, username: FIRST_DEVICE_USERNAME, createdAt: now } }
                    });
                case "POST /connect/token":
                    return json(200, { access_token: TOKEN, token_type: "Bearer", expires_in: 300 });
                case "POST /api/v2/Devices":
                    return json(201, {
                        result: { id: SECOND_DEVICE_ID, username: SECOND_DEVICE_USERNAME, createdAt: now, createdByDevice: FIRST_DEVICE_ID, isBackupDevice: false }
                    });
                case "PUT /api/v2/Devices/Self":
                case "PUT /api/v2/Devices/Self/Password":
                    res.writeHead(204);
                    return res.end();
                default:
                    res.writeHead(404);
                    return res.end();
            }
        });
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        captured,
        baseUrl: `http://127.0.0.1:${server.address().port}`,
        close: () =>
            new Promise((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            })
    };
}

function okOrThrow(result, what) {
    if (result.isError) throw new Error(`${what} failed: ${result.error.code} ${result.error.message}`);
    return result.value;
}

/** Produces the whole vectors document (deterministic). */
async function generateVectors() {
    const keypair = await keypairFromSeed();
    const identityPublicKey = keypair.publicKey.toBase64();
    const address = (await IdentityUtil.createAddress(keypair.publicKey, DID_DOMAIN)).toString();

    const anonymous = await signedChallengeVector(keypair, { id: ANONYMOUS_CHALLENGE_ID, expiresAt: EXPIRES_AT });
    const device = await signedChallengeVector(keypair, {
        id: DEVICE_CHALLENGE_ID,
        expiresAt: EXPIRES_AT,
        createdBy: address,
        createdByDevice: FIRST_DEVICE_ID
    });

    const capture = await startCaptureServer(address);
    try {
        const transport = new Transport(
            { baseUrl: capture.baseUrl, platformClientId: CLIENT_ID, platformClientSecret: CLIENT_SECRET, supportedIdentityVersion: 1 },
            { publish() {}, subscribe: () => 0, subscribeOnce: () => Promise.resolve(), unsubscribe: () => true, close() {} }
        );
        await transport.init();
        const config = transport.config;

        const createIdentityBody = buildCreateIdentityRequest(config, {
            identityKeypair: keypair,
            devicePassword: FIRST_DEVICE_PASSWORD,
            signedChallenge: anonymous.signedChallenge
        });
        okOrThrow(await anonymousClients(config).identity.createIdentity(createIdentityBody), "createIdentity");

        const first = authenticatedClients(
            config,
            new DeviceCredentialsAuthenticator(config, { username: FIRST_DEVICE_USERNAME, password: FIRST_DEVICE_PASSWORD })
        );
        const createDeviceBody = buildCreateDeviceRequest({ signedChallenge: device.signedChallenge, devicePassword: SECOND_DEVICE_PASSWORD });
        okOrThrow(await first.deviceAuth.createDevice(createDeviceBody), "createDevice");

        const second = authenticatedClients(
            config,
            new DeviceCredentialsAuthenticator(config, { username: SECOND_DEVICE_USERNAME, password: SECOND_DEVICE_PASSWORD })
        );
        okOrThrow(
            await second.deviceAuth.changeDevicePassword({ oldPassword: SECOND_DEVICE_PASSWORD, newPassword: SECOND_DEVICE_NEW_PASSWORD }),
            "changeDevicePassword"
        );
        okOrThrow(await second.deviceAuth.updateCurrentDevice({ communicationLanguage: "de" }), "updateCurrentDevice");
    } finally {
        await capture.close();
    }

    const find = (method, path, nth = 0) => {
        const found = capture.captured.filter((r) => r.method === method && r.path === path)[nth];
        if (!found) throw new Error(`no captured ${method} ${path}`);
        return found;
    };

    return {
        description:
            "Deterministic vectors produced with the published @nmshd/transport 7.0.0 / @nmshd/crypto 2.1.3 " +
            "(e2e/lib/vectors.js, regenerate with `npm run vectors`). Ed25519 key from a fixed seed; signatures are " +
            "deterministic. Device passwords are fixed here (the package generates them with " +
            "PasswordGenerator.createStrongPassword(45, 50)). Requests were captured on the wire from the package's " +
            "own clients (IdentityClient, DeviceAuthClient, AuthClient via AbstractAuthenticator).",
        package: { "@nmshd/transport": "7.0.0", "@nmshd/crypto": "2.1.3" },
        identity: {
            seedHex: SEED_HEX,
            rawPublicKeyHex: keypair.publicKey.publicKey.toString(Encoding.Hex),
            rawPublicKeyBase64Url: b64url(keypair.publicKey.publicKey.buffer),
            identityPublicKey,
            identityPublicKeyWrapperJson: Buffer.from(identityPublicKey, "base64url").toString("utf8"),
            didDomain: DID_DOMAIN,
            address
        },
        identityCreationChallenge: {
            note: "anonymous challenge (POST /api/v2/Identities): ChallengeController.createAccountCreationChallenge; sent with signedChallenge.toJSON(false)",
            ...anonymous.vector
        },
        deviceRegistrationChallenge: {
            note:
                "authenticated challenge (POST /api/v2/Devices): ChallengeController.createChallenge(ChallengeType.Identity), " +
                "signed with the identity key; keys serialised in alphabetical order by ts-serval; sent with signedChallenge.toJSON() (verbose, adds @type)",
            createdBy: address,
            createdByDevice: FIRST_DEVICE_ID,
            ...device.vector
        },
        requests: {
            createIdentity: find("POST", "/api/v2/Identities"),
            tokenFirstDevice: find("POST", "/connect/token", 0),
            createDevice: find("POST", "/api/v2/Devices"),
            tokenSecondDevice: find("POST", "/connect/token", 1),
            changeDevicePassword: find("PUT", "/api/v2/Devices/Self/Password"),
            updateCurrentDevice: find("PUT", "/api/v2/Devices/Self")
        }
    };
}

module.exports = { generateVectors, keypairFromSeed, decodeWrapper, SEED_HEX };
