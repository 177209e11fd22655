"use strict";

// End-to-end: relationship templates and relationships (full state machine)
// against a running OpenBackbone, driven by the published @nmshd/transport
// 7.0.0 high-level controllers (AccountController.relationshipTemplates /
// .relationships) as upstream's TestUtil.addRelationship,
// terminateRelationship, reactivateRelationship and decomposeRelationship do
// it; the peer learns of every change through sync (external events).
// Needs BACKBONE_BASE_URL (fails, never skips, without it).

const assert = require("node:assert/strict");
const { describe, it } = require("node:test");
const { CoreDate } = require("@nmshd/core-types");
const {
    RelationshipAuditLogEntryReason,
    RelationshipCreationResponseContentCipher,
    RelationshipCreationResponseContentSigned,
    RelationshipCreationResponseContentWrapper,
    RelationshipStatus,
    TokenContentRelationshipTemplate
} = require("@nmshd/transport");
const { CoreBuffer } = require("@nmshd/crypto");

const { expectSuccess, expectError, expectRejectsWithCode, expectId, describeError } = require("./lib/assertions");
const { describeExchanges } = require("./lib/sync");
const { syncUntilRelationship } = require("./lib/relationships");
const { newSession, plain } = require("./lib/session");

const TEST = { timeout: 120_000 };

const TEMPLATE_CONTENT = { mycontent: "template", text: "Grüße 😀" };
const CREATION_CONTENT = { mycontent: "request", text: "Hallo – ✓" };

const { exchanges, getAccount, step } = newSession();

async function sendTemplate(owner, extra = {}) {
    return await step("sendRelationshipTemplate", () =>
        owner.account.relationshipTemplates.sendRelationshipTemplate({
            content: TEMPLATE_CONTENT,
            expiresAt: CoreDate.utc().add({ minutes: 5 }),
            maxNumberOfAllocations: 1,
            ...extra
        })
    );
}

function lastAuditReason(relationship) {
    return relationship.auditLog[relationship.auditLog.length - 1].reason;
}

// shared state of the lifecycle tests (they run in order)
const state = {};

async function requireRelationship() {
    if (!state.relationshipId) assert.fail("no active relationship: the first lifecycle test failed");
    return { a: await getAccount("A"), b: await getAccount("B"), id: state.relationshipId };
}

describe("relationship lifecycle between A and B (template → pending → active → terminated → reactivated → decomposed)", () => {
    it("A's template is loaded by B by its truncated reference; B creates the relationship, A syncs and accepts, both are Active with decrypted contents", TEST, async () => {
        const a = await getAccount("A");
        const b = await getAccount("B");

        const templateA = await sendTemplate(a);
        expectId(templateA.id.toString(), "RLT", "template.id");
        assert.equal(templateA.isOwn, true);

        const truncated = templateA.toRelationshipTemplateReference(a.account.config.baseUrl).truncate();
        const { RelationshipTemplateReference } = require("@nmshd/transport");
        const templateB = await step("B loadPeerRelationshipTemplateByReference", () =>
            b.account.relationshipTemplates.loadPeerRelationshipTemplateByReference(RelationshipTemplateReference.from(truncated))
        );
        assert.equal(templateB.id.toString(), templateA.id.toString());
        assert.equal(templateB.isOwn, false);
        assert.equal(templateB.createdBy.toString(), a.account.identity.address.toString());
        assert.equal(templateB.createdByDevice.toString(), a.account.activeDevice.id.toString());
        assert.equal(templateB.maxNumberOfAllocations, 1);
        assert.equal(templateB.forIdentity, undefined);
        assert.ok(templateB.expiresAt && Math.abs(Date.parse(templateB.expiresAt.toString()) - Date.parse(templateA.expiresAt.toString())) < 1000, "expiresAt round-trips");
        assert.deepEqual(plain(templateB.content), TEMPLATE_CONTENT, "template content decrypted by B");
        assert.equal(templateB.identity.address.toString(), a.account.identity.address.toString());

        // GET /Relationships/CanCreate through the package's check
        const canSend = await step("B canSendRelationship", () => b.account.relationships.canSendRelationship({ template: templateB, creationContent: CREATION_CONTENT }));
        assert.ok(canSend.isSuccess, `canSendRelationship: ${canSend.isError ? describeError(canSend.error) : ""}`);
        const canCreate = expectSuccess(await b.account.relationships.client.canCreateRelationship(a.account.identity.address.toString()), "GET /Relationships/CanCreate");
        assert.equal(canCreate.canCreate, true);

        const pendingB = await step("B sendRelationship", () => b.account.relationships.sendRelationship({ template: templateB, creationContent: CREATION_CONTENT }));
        expectId(pendingB.id.toString(), "REL", "relationship.id");
        assert.equal(pendingB.status, RelationshipStatus.Pending);
        assert.equal(pendingB.peer.address.toString(), a.account.identity.address.toString());
        assert.equal(lastAuditReason(pendingB), RelationshipAuditLogEntryReason.Creation);

        // A learns of it (RelationshipStatusChanged) and decrypts the creation content
        const pendingA = await step("A syncUntil Pending", () => syncUntilRelationship(a, pendingB.id, RelationshipStatus.Pending));
        assert.equal(pendingA.peer.address.toString(), b.account.identity.address.toString());
        assert.equal(pendingA.templateId.toString(), templateA.id.toString());
        assert.deepEqual(plain(pendingA.creationContent), CREATION_CONTENT, "creation content decrypted by A");

        const activeA = await step("A accept", () => a.account.relationships.accept(pendingA.id));
        assert.equal(activeA.status, RelationshipStatus.Active);
        assert.equal(lastAuditReason(activeA), RelationshipAuditLogEntryReason.AcceptanceOfCreation);

        const activeB = await step("B syncUntil Active", () => syncUntilRelationship(b, pendingB.id, RelationshipStatus.Active));
        assert.deepEqual(
            activeB.auditLog.map((e) => e.reason),
            [RelationshipAuditLogEntryReason.Creation, RelationshipAuditLogEntryReason.AcceptanceOfCreation]
        );
        assert.equal((await a.account.relationships.getActiveRelationshipToIdentity(b.account.identity.address))?.id.toString(), pendingB.id.toString());
        assert.equal((await b.account.relationships.getActiveRelationshipToIdentity(a.account.identity.address))?.id.toString(), pendingB.id.toString());

        // B decrypts and verifies A's creation response content with the relationship secrets (as the package would)
        const backbone = expectSuccess(await b.account.relationships.client.getRelationship(pendingB.id.toString()), "GET /Relationships/{id} (B)");
        assert.equal(backbone.status, "Active");
        assert.equal(typeof backbone.creationResponseContent, "string", "creationResponseContent must be returned");
        const secrets = b.account.relationships.secrets;
        const responseCipher = RelationshipCreationResponseContentCipher.fromBase64(backbone.creationResponseContent);
        const signedBuffer = await secrets.decryptPeer(activeB.relationshipSecretId, responseCipher.cipher, true);
        const signed = RelationshipCreationResponseContentSigned.deserialize(signedBuffer.toUtf8());
        assert.ok(
            await secrets.verifyPeer(activeB.relationshipSecretId, CoreBuffer.fromUtf8(signed.serializedCreationResponseContent), signed.relationshipSignature),
            "A's relationship signature on the response content"
        );
        const wrapper = RelationshipCreationResponseContentWrapper.deserialize(signed.serializedCreationResponseContent);
        assert.equal(wrapper.relationshipId.toString(), pendingB.id.toString());
        assert.deepEqual(plain(activeB.creationContent), CREATION_CONTENT);

        state.relationshipId = pendingB.id;
    });

    it("A terminates, B sees Terminated; B requests reactivation, A sees it and accepts; both are Active again", TEST, async () => {
        const { a, b, id } = await requireRelationship();

        const terminatedA = await step("A terminate", () => a.account.relationships.terminate(id));
        assert.equal(terminatedA.status, RelationshipStatus.Terminated);
        const terminatedB = await step("B syncUntil Terminated", () => syncUntilRelationship(b, id, RelationshipStatus.Terminated));
        assert.equal(lastAuditReason(terminatedB), RelationshipAuditLogEntryReason.Termination);

        const requestedB = await step("B requestReactivation", () => b.account.relationships.requestReactivation(id));
        assert.equal(requestedB.status, RelationshipStatus.Terminated);
        assert.equal(lastAuditReason(requestedB), RelationshipAuditLogEntryReason.ReactivationRequested);

        // RelationshipReactivationRequested
        const requestedA = await step("A syncUntil ReactivationRequested", () => syncUntilRelationship(a, id, RelationshipStatus.Terminated));
        assert.equal(lastAuditReason(requestedA), RelationshipAuditLogEntryReason.ReactivationRequested);
        assert.equal(requestedA.auditLog[requestedA.auditLog.length - 1].createdBy.toString(), b.account.identity.address.toString());

        const reactivatedA = await step("A acceptReactivation", () => a.account.relationships.acceptReactivation(id));
        assert.equal(reactivatedA.status, RelationshipStatus.Active);
        assert.equal(lastAuditReason(reactivatedA), RelationshipAuditLogEntryReason.AcceptanceOfReactivation);

        // RelationshipReactivationCompleted
        const reactivatedB = await step("B syncUntil Active", () => syncUntilRelationship(b, id, RelationshipStatus.Active));
        assert.deepEqual(
            reactivatedB.auditLog.map((e) => e.reason),
            [
                RelationshipAuditLogEntryReason.Creation,
                RelationshipAuditLogEntryReason.AcceptanceOfCreation,
                RelationshipAuditLogEntryReason.Termination,
                RelationshipAuditLogEntryReason.ReactivationRequested,
                RelationshipAuditLogEntryReason.AcceptanceOfReactivation
            ]
        );
        assert.equal((await a.account.relationships.getRelationship(id)).status, RelationshipStatus.Active);
    });

    it("A terminates again and decomposes (gone locally), B learns DeletionProposed via sync and decomposes too; a new relationship can then be created", TEST, async () => {
        const { a, b, id } = await requireRelationship();

        await step("A terminate", () => a.account.relationships.terminate(id));
        await step("B syncUntil Terminated", () => syncUntilRelationship(b, id, RelationshipStatus.Terminated));

        const relationshipA = await a.account.relationships.getRelationship(id);
        await step("A decompose", () => a.account.relationships.decompose(id));
        await a.account.cleanupDataOfDecomposedRelationship(relationshipA);
        assert.equal(await a.account.relationships.getRelationship(id), undefined, "A's relationship must be gone locally after decomposition");
        assert.equal(await a.account.relationships.getRelationshipToIdentity(b.account.identity.address), undefined);
        expectError(
            await a.account.relationships.client.getRelationship(id.toString()),
            "error.platform.validation.relationship.relationshipAlreadyDecomposed",
            "GET /Relationships/{id} by A after decomposing",
            { status: 400 }
        );

        // B learns of it (RelationshipStatusChanged → DeletionProposed)
        const proposedB = await step("B syncUntil DeletionProposed", () => syncUntilRelationship(b, id, RelationshipStatus.DeletionProposed));
        assert.equal(lastAuditReason(proposedB), RelationshipAuditLogEntryReason.Decomposition);
        assert.equal(proposedB.auditLog[proposedB.auditLog.length - 1].createdBy.toString(), a.account.identity.address.toString());

        // while B has not decomposed, A cannot create a new relationship to B
        const blocked = expectSuccess(await a.account.relationships.client.canCreateRelationship(b.account.identity.address.toString()), "CanCreate (A→B) before B decomposed");
        assert.equal(blocked.canCreate, false);
        assert.equal(blocked.code, "error.platform.validation.relationship.relationshipToTargetAlreadyExists");

        const relationshipB = await b.account.relationships.getRelationship(id);
        await step("B decompose", () => b.account.relationships.decompose(id));
        await b.account.cleanupDataOfDecomposedRelationship(relationshipB);
        assert.equal(await b.account.relationships.getRelationship(id), undefined, "B's relationship must be gone locally after decomposition");
        assert.deepEqual(await b.account.relationships.getRelationships(), []);
        assert.deepEqual(await b.account.relationshipTemplates.getRelationshipTemplates(), [], "B's copy of A's template is cleaned up");

        // ReadyForDeletion raises no external event for A: A's sync stays quiet and A still has nothing
        const changed = await a.account.syncEverything();
        assert.deepEqual(changed.relationships, []);
        assert.deepEqual(await a.account.relationships.getRelationships(), []);

        for (const [from, to] of [
            [a, b],
            [b, a]
        ]) {
            const value = expectSuccess(await from.account.relationships.client.canCreateRelationship(to.account.identity.address.toString()), `CanCreate (${from.label}→${to.label}) after both decomposed`);
            assert.equal(value.canCreate, true, `${from.label}→${to.label}: ${JSON.stringify(value)}`);
        }
    });
});

describe("personalized and password-protected relationship templates", () => {
    it("a template personalized for B cannot be loaded by C (client: notIntendedForYou; server: 404 recordNotFound), but by B", TEST, async () => {
        const a = await getAccount("A");
        const b = await getAccount("B");
        const c = await getAccount("C");

        const template = await sendTemplate(a, { forIdentity: b.account.identity.address });
        const reference = template.toRelationshipTemplateReference(a.account.config.baseUrl);
        assert.equal(reference.forIdentityTruncated, b.account.identity.address.toString().slice(-4));

        // the reference carries the truncated forIdentity: the package refuses before any request
        await expectRejectsWithCode(
            c.account.relationshipTemplates.loadPeerRelationshipTemplateByReference(reference),
            "error.transport.general.notIntendedForYou",
            "C loads B's personalized template by reference"
        );
        // by id + secret key only (no forIdentity hint): the server must hide it
        await expectRejectsWithCode(
            c.account.relationshipTemplates.loadPeerRelationshipTemplateByTokenContent(TokenContentRelationshipTemplate.from({ templateId: template.id, secretKey: template.secretKey })),
            "error.platform.recordNotFound",
            "C loads B's personalized template by id + key (GET /RelationshipTemplates/{id})",
            { status: 404 }
        );
        assert.equal(await c.account.relationshipTemplates.getRelationshipTemplate(template.id), undefined);

        const loadedB = await step("B loads its personalized template", () => b.account.relationshipTemplates.loadPeerRelationshipTemplateByReference(reference));
        assert.equal(loadedB.forIdentity?.toString(), b.account.identity.address.toString());
        assert.deepEqual(plain(loadedB.content), TEMPLATE_CONTENT);
    });

    it("a password-protected template is loaded by B only with the right password", TEST, async () => {
        const a = await getAccount("A");
        const b = await getAccount("B");

        const template = await sendTemplate(a, { passwordProtection: { password: "correct horse 🐎", passwordType: "pw" } });
        assert.ok(template.passwordProtection?.salt, "the package salts the password");
        const truncated = template.toRelationshipTemplateReference(a.account.config.baseUrl).truncate();
        const { RelationshipTemplateReference } = require("@nmshd/transport");
        const reference = RelationshipTemplateReference.from(truncated);
        assert.ok(reference.passwordProtection, "the truncated reference carries the password protection (salt, type)");

        await expectRejectsWithCode(
            b.account.relationshipTemplates.loadPeerRelationshipTemplateByReference(reference),
            "error.transport.noPasswordProvided",
            "B loads without a password"
        );
        await expectRejectsWithCode(
            b.account.relationshipTemplates.loadPeerRelationshipTemplateByReference(reference, "wrong password"),
            "error.platform.recordNotFound",
            "B loads with a wrong password (GET /RelationshipTemplates/{id}?password=…)",
            { status: 404 }
        );
        assert.equal(await b.account.relationshipTemplates.getRelationshipTemplate(template.id), undefined);

        const loaded = await step("B loads with the right password", () => b.account.relationshipTemplates.loadPeerRelationshipTemplateByReference(reference, "correct horse 🐎"));
        assert.equal(loaded.id.toString(), template.id.toString());
        assert.deepEqual(plain(loaded.content), TEMPLATE_CONTENT);
        assert.equal(loaded.passwordProtection?.password, "correct horse 🐎");

        // the exchange: the package sends the salted hash (standard base64) as ?password=
        const gets = exchanges.filter((e) => e.method === "GET" && e.url === `/api/v2/RelationshipTemplates/${template.id}`);
        assert.deepEqual(
            gets.map((e) => e.status),
            [404, 200]
        );
        assert.notEqual(gets[0].params?.password, gets[1].params?.password);
        assert.match(gets[1].params?.password ?? "", /^[A-Za-z0-9+/]+={0,2}$/);
    });
});
