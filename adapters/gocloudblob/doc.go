// Package gocloudblob is a driver.Blob on gocloud.dev/blob: one adapter for a
// local directory, an in-process store, Amazon S3 (and S3-compatible stores
// such as IONOS or MinIO), Azure Blob Storage and Google Cloud Storage,
// chosen by the scheme of the URL given to Open.
//
//	blobs, err := gocloudblob.Open(ctx, "file:///var/lib/openbackbone/blobs", gocloudblob.Options{})
//
// # Semantics
//
// Every backend gives the driver.Blob contract. A writer streams: what Write
// is given goes to the backend (a temporary file, a multipart or block
// upload) and is not collected in memory, except by mem://, which keeps
// everything in memory anyway. The blob becomes visible, whole, when Close
// returns nil and replaces an earlier blob with the key at that moment.
// Abort, or cancelling the writer's context before Close, discards the write
// and whatever the backend had staged for it; Close then returns an error.
// Abort after Close does nothing, so
//
//	w, err := blobs.NewWriter(ctx, key)
//	…
//	defer w.Abort()
//	…
//	return w.Close()
//
// is safe. A reader reads under the context given to NewReader. Keys are
// UTF-8 strings; "/" in them is stored as a path separator, and a key's
// leading path ("a/b" of "a/b/c") is not itself a blob. List pages through
// all keys with the prefix, 1000 a request.
//
// # URLs
//
// Every scheme takes prefix, which overrides Options.Prefix. Other query
// parameters are listed below; unknown ones are errors.
//
// file:///abs/dir or file://./rel/dir — a local directory, the embedded
// default; created if missing. Each blob is a file at its key below the
// directory; there are no sidecar files. A write goes to a temporary file
// beside its target, named key+"."+hex+".tmp", renamed into place by Close
// (so the directory may be any mount); List and NewReader never see such
// files, and keys of that form are rejected. A process killed while writing
// leaves its temporary file behind, which may be removed once it is a day
// old. A key cannot also be a leading path of another key ("a" and "a/b"):
// the second write fails. Parameters: prefix only.
//
// mem:// — in-process and in memory; each Open makes an empty store of its
// own, gone on Close. For tests. Parameters: prefix only.
//
// s3://BUCKET — Amazon S3 or an S3-compatible store; the bucket must exist.
// Writes are multipart uploads, aborted on Abort. Credentials from the AWS
// default chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, an
// instance role). Parameters, as gocloud.dev/blob/s3blob reads them:
//   - region: e.g. eu-central-1; default from the AWS configuration.
//   - endpoint: the service URL of an S3-compatible store, e.g.
//     https://s3.eu-central-1.ionoscloud.com.
//   - use_path_style: true for path-style addressing (host/bucket/key), as
//     most S3-compatible stores need.
//   - disable_https: true to reach endpoint over plain HTTP.
//   - hostname_immutable: true to use endpoint exactly as given.
//   - request_checksum_calculation, response_checksum_validation:
//     when_supported (the SDK default) or when_required, which stores that
//     reject the newer checksum headers need.
//   - profile: the shared configuration profile.
//   - anonymous: true for unsigned requests.
//   - ssetype (AES256, aws:kms, aws:kms:dsse) and kmskeyid: server-side
//     encryption.
//
// Example: s3://openbackbone?region=de&endpoint=https://s3.de.example&use_path_style=true
// An emulator: s3://bucket?endpoint=http://127.0.0.1:9000&use_path_style=true&region=us-east-1
//
// azblob://CONTAINER — Azure Blob Storage; the container must exist.
// Credentials and account from the environment as
// gocloud.dev/blob/azureblob reads them: AZURE_STORAGE_CONNECTION_STRING
// (also for Azurite), AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or
// AZURE_STORAGE_SAS_TOKEN, or the default Azure credential. Parameters:
//   - storage_account: the account name.
//   - domain: the storage domain; default blob.core.windows.net.
//   - protocol: https (default) or http.
//   - localemu: true for the local emulator (Azurite) addressing.
//   - cdn: true when the domain is a CDN in front of the account.
//
// gs://BUCKET — Google Cloud Storage; the bucket must exist. Credentials from
// Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS). Parameters:
//   - anonymous: true for an unauthenticated client (public buckets).
//   - universe_domain: the universe domain of the client.
//   - endpoint: the base URL of a GCS-compatible server such as
//     fake-gcs-server, e.g. http://127.0.0.1:4443; the JSON API is reached
//     under its /storage/v1/. Added by gocloudblob (gocloud reads only the
//     process-wide STORAGE_EMULATOR_HOST variable, which also still works).
//     With an emulator, add anonymous=true.
//
// # Testing against emulators
//
// The package tests run the conformance suite (conformance/blobtest) on
// s3:// against an in-process gofakes3 server and on gs:// against an
// in-process fake-gcs-server, and on azblob:// against Azurite when
// OPENBACKBONE_TEST_AZBLOB_URL is set (scripts/test-all.sh starts it), else
// in a container where Docker answers.
// OPENBACKBONE_TEST_S3_URL and OPENBACKBONE_TEST_GCS_URL point the s3 and
// gs runs at another server or a real bucket instead; see docs/adapters.md.
package gocloudblob
