"use strict";

// End-to-end: files against a running OpenBackbone, driven by the published
// @nmshd/transport 7.0.0 high-level controllers (AccountController.files /
// .messages): upload (multipart POST /Files) and download with the package's own
// cipherHash/plaintextHash checks, GET /Files paging (upstream Paginator test),
// a message with an attachment, ownership tokens (validate/regenerate/claim) and
// deletion. Needs BACKBONE_BASE_URL (fails, never skips, without it).

const assert = require("node:assert/strict");
const { describe, it } = require("node:test");

const { expectSuccess, expectError, expectRejectsWithCode, expectId, describeError } = require("./lib/assertions");
const { describeExchanges, recordExchanges } = require("./lib/sync");
const { addRelationship, syncUntil } = require("./lib/relationships");
const { newSession, plain } = require("./lib/session");
const { sendRandomFile, recordFileExchanges } = require("./lib/files");

const TEST = { timeout: 120_000 };
const MESSAGE_CONTENT = { mycontent: "message with attachment", text: "Anhang 📎" };

const { exchanges, getAccount, step } = newSession((created, label, exchanges) => {
    // the controllers' clients are private in TypeScript only
    recordExchanges(created.account.messages.client, label, exchanges);
    recordFileExchanges(created.account.files.client, label, exchanges);
});

let relatedPromise;
function getRelatedAB() {
    relatedPromise ??= (async () => {
        const a = await getAccount("A");
        const b = await getAccount("B");
        await step("addRelationship A←B", () => addRelationship(a, b));
        return { a, b };
    })();
    return relatedPromise;
}

function lastExchange(method, url) {
    return exchanges.filter((e) => e.method === method && e.url === url).pop();
}

function sameBytes(actual, expected, what) {
    const got = Buffer.from(actual.buffer);
    assert.equal(got.length, expected.length, `${what}: length`);
    assert.ok(got.equals(expected), `${what}: the downloaded bytes differ from the uploaded ones`);
}

describe("files", () => {
    it("A uploads a file (multipart POST /Files) and downloads identical bytes; metadata as the package expects", TEST, async () => {
        const a = await getAccount("A");
        const { file, bytes } = await step("A sendFile", () => sendRandomFile(a.account, { size: 300 * 1024 }));
        expectId(file.id.toString(), "FIL", "file.id");
        assert.equal(file.isOwn, true);
        assert.equal(file.owner.toString(), a.account.identity.address.toString());
        assert.equal(file.createdBy.toString(), a.account.identity.address.toString());
        assert.equal(file.createdByDevice.toString(), a.account.activeDevice.id.toString());
        assert.equal(typeof file.ownershipToken, "string", "POST /Files returns an ownershipToken");
        assert.ok(file.ownershipToken.length > 0 && file.ownershipToken.length <= 20, `ownershipToken '${file.ownershipToken}'`);
        const post = lastExchange("POST", "/api/v2/Files");
        assert.equal(post?.status, 201, describeExchanges(post ? [post] : []));

        // GET /Files/{id}/metadata (lowercase, as the package sends it), decrypted by the package
        const metadata = expectSuccess(await a.account.files.client.getFile(file.id.toString()), "GET /Files/{id}/metadata");
        assert.equal(metadata.id, file.id.toString());
        assert.equal(metadata.owner, a.account.identity.address.toString());
        assert.equal(metadata.cipherHash, file.cipherHash.hash, "cipherHash round-trips");
        assert.ok(metadata.cipherSize > bytes.length, `cipherSize ${metadata.cipherSize} > plaintext ${bytes.length}`);
        assert.equal(typeof metadata.encryptedProperties, "string");
        assert.equal(metadata.ownershipToken, undefined, "metadata carries no ownershipToken");
        const updated = await step("A updateFileFromBackbone", () => a.account.files.updateFileFromBackbone(file.id.toString()));
        assert.equal(updated.filename, "random.bin");
        assert.equal(updated.filesize, bytes.length);

        // GET /Files/{id}: raw bytes; the package checks SHA-512 against cipherHash and the plaintext hash
        const downloaded = await step("A downloadFileContent", () => a.account.files.downloadFileContent(file.id));
        sameBytes(downloaded, bytes, "A's download");
        const get = lastExchange("GET", `/api/v2/Files/${file.id}`);
        assert.equal(get?.status, 200);
        assert.equal(get.responseBody?.bytes, metadata.cipherSize, "raw body has cipherSize bytes");
        assert.match(get.contentType ?? "", /^application\/octet-stream/);
    });

    it("GET /Files?pageSize=1 pages over the caller's uploads (upstream Paginator test)", TEST, async () => {
        const p = await getAccount("P");
        const ids = [];
        for (let i = 0; i < 4; i++) {
            const { file } = await step(`P sendFile ${i}`, () => sendRandomFile(p.account, { size: 1024, filename: `page-${i}.bin` }));
            ids.push(file.id.toString());
        }
        const start = exchanges.length;
        const paginator = expectSuccess(await p.account.files.client.getFiles({ pageSize: 1 }), "GET /Files?pageSize=1");
        const seen = [];
        for await (const item of paginator) seen.push(item.id);
        const gets = exchanges.slice(start).filter((e) => e.label === "P" && e.method === "GET" && e.url === "/api/v2/Files");
        assert.deepEqual([...seen].sort(), [...ids].sort(), `exactly the 4 uploads\n${describeExchanges(gets)}`);
        assert.deepEqual(
            gets.map((e) => e.params?.pageNumber),
            [undefined, 2, 3, 4],
            `one page per file\n${describeExchanges(gets)}`
        );
        // with ids, collect()
        const byIds = expectSuccess(await p.account.files.client.getFiles({ ids: ids.slice(0, 2) }), "GET /Files?ids=…");
        assert.deepEqual((await byIds.collect()).map((f) => f.id).sort(), ids.slice(0, 2).sort());
    });

    it("A sends B a message with the file as attachment; B syncs (MessageReceived), loads the attachment and gets the same bytes", TEST, async () => {
        const { a, b } = await getRelatedAB();
        const { file, bytes } = await step("A sendFile", () => sendRandomFile(a.account, { size: 256 * 1024, filename: "attachment.bin" }));

        const sent = await step("A sendMessage with attachment", () =>
            a.account.messages.sendMessage({ recipients: [b.account.identity.address], content: MESSAGE_CONTENT, attachments: [file] })
        );
        expectId(sent.id.toString(), "MSG", "message.id");
        const post = lastExchange("POST", "/api/v2/Messages");
        assert.equal(post?.status, 201, describeExchanges(post ? [post] : []));
        assert.deepEqual(post.requestBody.attachments, [{ id: file.id.toString() }]);

        const match = (m) => m.id.toString() === sent.id.toString();
        const received = (await step("B syncUntil MessageReceived", () => syncUntil(b, (items) => items.messages.some(match), { what: "MessageReceived with attachment" }))).messages
            .filter(match)
            .pop();
        assert.deepEqual(
            received.attachments.map((id) => id.toString()),
            [file.id.toString()]
        );
        // the package loaded the attachment's metadata (GET /Files/{id}/metadata) while decrypting the message
        const bFile = await b.account.files.getFile(received.attachments[0]);
        assert.ok(bFile, "B stored the attachment locally");
        assert.equal(bFile.isOwn, false);
        assert.equal(bFile.filename, "attachment.bin");
        assert.equal(bFile.filesize, bytes.length);
        assert.equal(bFile.owner.toString(), a.account.identity.address.toString());
        const downloaded = await step("B downloadFileContent", () => b.account.files.downloadFileContent(bFile));
        sameBytes(downloaded, bytes, "B's download of the attachment");
    });

    it("ownership tokens: validate, regenerate (owner only), B claims with the right token; wrong token / non-owner → 403 forbidden", TEST, async () => {
        const { a, b } = await getRelatedAB();
        const { file } = await step("A sendFile", () => sendRandomFile(a.account, { size: 4096 }));
        await step("B getOrLoadFile", () => b.account.files.getOrLoadFile(file.id, file.secretKey));
        const token1 = file.ownershipToken;

        assert.deepEqual(await step("A validates its token", () => a.account.files.validateFileOwnershipToken(file.id, token1)), { isValid: true });
        // the owner validating a wrong token does not lock the file
        assert.deepEqual(await step("A validates a wrong token", () => a.account.files.validateFileOwnershipToken(file.id, "wrongToken123")), { isValid: false });
        assert.deepEqual(await step("B validates the right token", () => b.account.files.validateFileOwnershipToken(file.id, token1)), { isValid: true });

        await expectRejectsWithCode(b.account.files.regenerateFileOwnershipToken(file.id), "error.platform.forbidden", "B (not the owner) regenerates", { status: 403 });
        await expectRejectsWithCode(
            a.account.files.claimFileOwnership(file.id, token1),
            "error.platform.validation.file.cannotClaimOwnershipOfOwnFile",
            "A claims its own file",
            { status: 400 }
        );

        const regenerated = await step("A regenerates", () => a.account.files.regenerateFileOwnershipToken(file.id));
        const token2 = regenerated.ownershipToken;
        assert.ok(token2 && token2 !== token1, "a new token");
        assert.deepEqual(await a.account.files.validateFileOwnershipToken(file.id, token1), { isValid: false }, "the old token is invalid");

        const claimed = await step("B claims with the right token", () => b.account.files.claimFileOwnership(file.id, token2));
        assert.equal(claimed.owner.toString(), b.account.identity.address.toString());
        assert.equal(claimed.isOwn, true);
        const token3 = claimed.ownershipToken;
        assert.ok(token3 && token3 !== token2, "claiming yields a new token");
        const claimExchange = lastExchange("PATCH", `/api/v2/Files/${file.id}/ClaimOwnership`);
        assert.equal(claimExchange?.status, 200, describeExchanges(claimExchange ? [claimExchange] : []));
        const metadata = expectSuccess(await a.account.files.client.getFile(file.id.toString()), "GET metadata after claim");
        assert.equal(metadata.owner, b.account.identity.address.toString());

        // A (no longer owner): regenerate → 403; claim with a wrong token → 403 (locks); then even the right token → 403
        await expectRejectsWithCode(a.account.files.regenerateFileOwnershipToken(file.id), "error.platform.forbidden", "A (former owner) regenerates", { status: 403 });
        await expectRejectsWithCode(a.account.files.claimFileOwnership(file.id, "wrongToken123"), "error.platform.forbidden", "A claims with a wrong token", { status: 403 });
        await expectRejectsWithCode(a.account.files.claimFileOwnership(file.id, token3), "error.platform.forbidden", "A claims the locked file with the right token", { status: 403 });
        assert.deepEqual(await b.account.files.validateFileOwnershipToken(file.id, token3), { isValid: false }, "locked → isValid false");
        const metadataLocked = expectSuccess(await b.account.files.client.getFile(file.id.toString()), "GET metadata when locked");
        assert.equal(metadataLocked.ownershipIsLocked, true);
        // the owner regenerating unlocks
        const token4 = (await step("B regenerates", () => b.account.files.regenerateFileOwnershipToken(file.id))).ownershipToken;
        assert.deepEqual(await b.account.files.validateFileOwnershipToken(file.id, token4), { isValid: true });

        // malformed token → 400 invalidPropertyValue
        const malformed = await a.account.files.client.claimFileOwnership(file.id.toString(), "x".repeat(21));
        expectError(malformed, "error.platform.validation.invalidPropertyValue", "claim with a 21-character token", { status: 400 });
    });

    it("deleting a file: only the creator may; afterwards downloads fail with not-found", TEST, async () => {
        const { a, b } = await getRelatedAB();
        const { file } = await step("A sendFile", () => sendRandomFile(a.account, { size: 8192 }));
        const bFile = await step("B getOrLoadFile", () => b.account.files.getOrLoadFile(file.id, file.secretKey));

        const refused = await b.account.files.client.deleteFile(file.id.toString());
        assert.ok(refused.isError, "B (not the creator) cannot delete");
        assert.equal(refused.error.code, "error.platform.forbidden", describeError(refused.error));
        assert.equal(refused.error.status, 403);

        await step("A deleteFile", () => a.account.files.deleteFile(file));
        const del = lastExchange("DELETE", `/api/v2/Files/${file.id}`);
        assert.equal(del?.status, 204, describeExchanges(del ? [del] : []));
        assert.equal(await a.account.files.getFile(file.id), undefined, "gone locally");
        await expectRejectsWithCode(a.account.files.downloadFileContent(file.id), "error.transport.recordNotFound", "A downloads its deleted file");

        // the server: metadata and raw download 404 recordNotFound
        const metadata = await b.account.files.client.getFile(file.id.toString());
        expectError(metadata, "error.platform.recordNotFound", "GET metadata of a deleted file", { status: 404 });
        const raw = await b.account.files.client.downloadFile(file.id.toString());
        const get = lastExchange("GET", `/api/v2/Files/${file.id}`);
        assert.equal(get?.status, 404, describeExchanges(get ? [get] : []));
        assert.equal(get.responseBody?.json?.error?.code, "error.platform.recordNotFound", describeExchanges([get]));
        // the package's download() accepts 404 as a body (validateStatus) → B's downloadFileContent reports a cipher mismatch
        assert.ok(raw.isSuccess, "FileClient.downloadFile returns the 404 body as bytes (package behaviour)");
        await expectRejectsWithCode(b.account.files.downloadFileContent(bFile), "error.transport.files.cipherMismatch", "B downloads the deleted file");
    });
});
