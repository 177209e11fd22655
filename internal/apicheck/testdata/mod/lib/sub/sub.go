package sub

type T struct{}
