package gocloudblob_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/openbackbone/openbackbone/adapters/gocloudblob"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

func ExampleOpen() {
	ctx := context.Background()
	// "file:///var/lib/openbackbone/blobs" for a directory, or
	// "s3://bucket?region=eu-central-1&endpoint=https://s3.example&use_path_style=true".
	blobs, err := gocloudblob.Open(ctx, "mem://", gocloudblob.Options{Prefix: "files/"})
	if err != nil {
		log.Fatal(err)
	}
	defer blobs.Close()

	w, err := blobs.NewWriter(ctx, "FILabcdefghijklmnopqr")
	if err != nil {
		log.Fatal(err)
	}
	defer w.Abort() // discards the write unless Close succeeded
	if _, err := io.WriteString(w, "encrypted file content"); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil { // the blob is visible from here on
		log.Fatal(err)
	}

	r, err := blobs.NewReader(ctx, "FILabcdefghijklmnopqr")
	if err != nil {
		log.Fatal(err)
	}
	data, _ := io.ReadAll(r)
	r.Close()
	fmt.Println(string(data))

	err = blobs.Delete(ctx, "FILabcdefghijklmnopqr")
	fmt.Println(err)
	err = blobs.Delete(ctx, "FILabcdefghijklmnopqr")
	fmt.Println(errors.Is(err, driver.ErrNotFound))
	// Output:
	// encrypted file content
	// <nil>
	// true
}

func ExampleOpen_unknownScheme() {
	_, err := gocloudblob.Open(context.Background(), "ftp://files", gocloudblob.Options{})
	fmt.Println(err)
	// Output:
	// gocloudblob: unknown scheme "ftp": known schemes are azblob, file, gs, mem, s3
}
