package backbone

import (
	"errors"
	"fmt"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Kind classifies an Error. It decides the HTTP status; the Code cannot,
// because one code can mean different statuses in different places.
type Kind int

// Kinds of errors.
const (
	KindInternal        Kind = iota // a bug or an outage; never shown to clients
	KindInvalid                     // the request breaks a rule (400)
	KindNotFound                    // the record does not exist or is not visible (404)
	KindForbidden                   // the caller may not do this (403)
	KindUnauthenticated             // the caller is not who it claims (401)
	KindQuotaExhausted              // a quota is used up (429)
	KindUnavailable                 // the store was too busy to finish; the same request may succeed shortly (503)
)

// ErrBusy is the store's driver.ErrBusy: errors that wrap it become
// KindUnavailable in AsError.
var ErrBusy = driver.ErrBusy

// Error is the one error type services return. Code is the wire error code
// (error.platform.…); Message is safe to show to the client.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	// Data is extra machine-readable detail (quota exhaustion only).
	Data any
	// Err is the cause, for logs only.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns err as an *Error; an error wrapping ErrBusy becomes
// KindUnavailable (even inside an internal *Error, because the store gives up
// below the services), any other error KindInternal with the code
// error.platform.unexpected.
func AsError(err error) *Error {
	if errors.Is(err, ErrBusy) {
		return &Error{Kind: KindUnavailable, Code: CodeServiceUnavailable, Message: "The server is too busy to complete the request; nothing was changed. Try again shortly.", Err: err}
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindInternal, Code: CodeUnexpected, Message: "An unexpected error occurred.", Err: err}
}

// Wire error codes.
const (
	CodeUnexpected          = "error.platform.unexpected"
	CodeInputCannotBeParsed = "error.platform.inputCannotBeParsed"
	CodeRequestBodyTooLarge = "error.platform.requestBodyTooLarge"
	CodeRecordNotFound      = "error.platform.recordNotFound"
	CodeUnauthorized        = "error.platform.unauthorized"
	CodeForbidden           = "error.platform.forbidden"
	CodeQuotaExhausted      = "error.platform.quotaExhausted"
	// CodeServiceUnavailable has no counterpart in the reference, which
	// answers a failed transaction with a 500.
	CodeServiceUnavailable = "error.platform.serviceUnavailable"

	CodeInvalidPropertyValue = "error.platform.validation.invalidPropertyValue"
	CodeInvalidID            = "error.platform.validation.invalidId"
	CodeInvalidPageSize      = "error.platform.validation.pagination.invalidPageSize"

	CodeInvalidSignature                   = "error.platform.validation.device.invalidSignature"
	CodeChallengeHasExpired                = "error.platform.validation.device.challengeHasExpired"
	CodeAddressAlreadyExists               = "error.platform.validation.device.addressAlreadyExists"
	CodeClientReachedIdentitiesLimit       = "error.platform.validation.device.clientReachedIdentitiesLimit"
	CodeRegistrationFailed                 = "error.platform.validation.device.registrationFailed"
	CodeChangePasswordFailed               = "error.platform.validation.device.changePasswordFailed"
	CodeOnlyOneBackupDeviceCanExist        = "error.platform.validation.device.onlyOneBackupDeviceCanExist"
	CodeDeviceCannotBeDeleted              = "error.platform.validation.device.deviceCannotBeDeleted"
	CodeInvalidDeviceCommunicationLanguage = "error.platform.validation.invalidDeviceCommunicationLanguage"
	CodeMaxNumberOfFeatureFlagsExceeded    = "error.platform.validation.featureFlag.maxNumberOfFeatureFlagsExceeded"
)

// OAuth error codes of the token endpoint (RFC 6749 §5.2).
const (
	OAuthInvalidRequest       = "invalid_request"
	OAuthInvalidClient        = "invalid_client"
	OAuthInvalidGrant         = "invalid_grant"
	OAuthUnsupportedGrantType = "unsupported_grant_type"
	OAuthAccessDenied         = "access_denied"
)

func invalid(code, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Code: code, Message: fmt.Sprintf(format, args...)}
}

func invalidProperty(property, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Code: CodeInvalidPropertyValue, Message: fmt.Sprintf("'"+property+"' "+format, args...)}
}

func invalidIDError(property string) *Error {
	return invalidProperty(property, "The ID or Address is not valid. Check length, prefix and the used characters.")
}

func notFound(what string) *Error {
	return &Error{Kind: KindNotFound, Code: CodeRecordNotFound, Message: what + " not found."}
}

// internal wraps an unexpected failure of a port.
func internal(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Kind: KindInternal, Code: CodeUnexpected, Message: "An unexpected error occurred.", Err: fmt.Errorf("backbone: %s: %w", op, err)}
}

// Synchronization and datawallet error codes.
const (
	CodeCannotStartSyncRunWhileIdentityIsToBeDeleted = "error.platform.validation.syncRun.cannotStartSyncRunWhileIdentityIsToBeDeleted"
	CodeCannotStartSyncRunWhenAnotherIsRunning       = "error.platform.validation.syncRun.cannotStartSyncRunWhenAnotherSyncRunIsRunning"
	CodeSyncRunAlreadyFinalized                      = "error.platform.validation.syncRun.syncRunAlreadyFinalized"
	CodeCannotFinalizeSyncRunOfAnotherDevice         = "error.platform.validation.syncRun.cannotFinalizeSyncRunStartedByAnotherDevice"
	CodeCannotRefreshSyncRunOfAnotherDevice          = "error.platform.validation.syncRun.cannotRefreshExpirationTimeOfSyncRunStartedByAnotherDevice"
	CodeCannotReadEventsOfSyncRunOfAnotherDevice     = "error.platform.validation.syncRun.cannotReadExternalEventsOfASyncRunStartedByAnotherDevice"
	CodeUnexpectedSyncRunType                        = "error.platform.validation.syncRun.unexpectedSyncRunType"
	CodeInsufficientSupportedDatawalletVersion       = "error.platform.validation.datawallet.insufficientSupportedDatawalletVersion"
	CodeDatawalletNotUpToDate                        = "error.platform.validation.datawallet.datawalletNotUpToDate"
	CodeCannotPushDuringActiveSyncRun                = "error.platform.validation.datawallet.cannotPushDatawalletModificationsDuringActiveSyncRun"
	CodeDatawalletCannotDowngrade                    = "error.platform.datawallet.cannotDowngrade"
	CodeDatawalletVersionOfModificationTooHigh       = "error.platform.datawallet.datawalletVersionOfModificationTooHigh"
)

// Relationship and template error codes.
const (
	CodeRelationshipIsNotInCorrectStatus              = "error.platform.validation.relationship.relationshipIsNotInCorrectStatus"
	CodeCannotAcceptOrRejectRelationshipOfSomeoneElse = "error.platform.validation.relationship.cannotAcceptOrRejectRelationshipAddressedToSomeoneElse"
	CodeCannotRevokeRelationshipNotCreatedByYourself  = "error.platform.validation.relationship.cannotRevokeRelationshipNotCreatedByYourself"
	CodeCannotRequestReactivationWithOpenRequest      = "error.platform.validation.relationship.cannotRequestReactivationWhenThereIsAnOpenReactivationRequest"
	CodeNoAcceptableReactivationRequestExists         = "error.platform.validation.relationship.noAcceptableRelationshipReactivationRequestExists"
	CodeNoRejectableReactivationRequestExists         = "error.platform.validation.relationship.noRejectableReactivationRequestExists"
	CodeNoRevocableReactivationRequestExists          = "error.platform.validation.relationship.noRevocableReactivationRequestExists"
	CodeRequestingIdentityDoesNotBelongToRelationship = "error.platform.validation.relationship.requestingIdentityDoesNotBelongToRelationship"
	CodeRelationshipAlreadyDecomposed                 = "error.platform.validation.relationship.relationshipAlreadyDecomposed"
	CodeRelationshipToTargetAlreadyExists             = "error.platform.validation.relationship.relationshipToTargetAlreadyExists"
	CodeCannotCreateRelationshipWithYourself          = "error.platform.validation.relationship.cannotCreateRelationshipWithYourself"
	CodePeerIsToBeDeleted                             = "error.platform.validation.relationship.peerIsToBeDeleted"
	CodeMaxNumberOfAllocationsExhausted               = "error.platform.validation.relationshipTemplate.maxNumberOfAllocationsExhausted"
)

// Message and token error codes.
const (
	CodeNoRelationshipToRecipientExists      = "error.platform.validation.message.noRelationshipToRecipientExists"
	CodeRelationshipToRecipientNotActive     = "error.platform.validation.message.relationshipToRecipientNotActive"
	CodeMaxNumberOfUnreceivedMessagesReached = "error.platform.validation.message.maxNumberOfUnreceivedMessagesReached"
	CodeTokenTooManyFailedPasswordAttempts   = "error.platform.token.tooManyFailedPasswordAttempts"
	CodeTokenContentUpdateNotPossible        = "error.platform.token.contentUpdateNotPossibleBecauseContentAlreadyExists"
)

// File error codes.
const (
	CodeCannotClaimOwnershipOfOwnFile = "error.platform.validation.file.cannotClaimOwnershipOfOwnFile"
)
