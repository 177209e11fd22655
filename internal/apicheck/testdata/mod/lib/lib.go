// Package lib has one declaration of every kind apicheck lists.
package lib

import (
	"context"
	"errors"
	"io"
)

const (
	CodeA       = "error.a"
	Max    int  = 3
	hidden      = 1
	Typed  Kind = iota
	Next
)

var ErrGone = errors.New("lib: gone")

var Table = map[string]int{"a": 1}

type Kind int

type Alias = io.Reader

type Box[T any, K comparable] struct {
	Value T
	keys  []K
}

type Thing struct {
	io.Reader
	inner
	Name, Label string
	secret      string
	Nested      struct{ A, B int }
}

type inner struct{}

type Store interface {
	Get(ctx context.Context, id string) (Thing, error)
	io.Closer
	private()
}

func New(name string, opts ...int) (*Thing, error) { return &Thing{Name: name}, nil }

func (t *Thing) Run(ctx context.Context) error { return nil }

func (t Thing) helper() {}

func (b *Box[T, K]) Put(v T) {}

func (inner) Exported() {}

func private() {}
