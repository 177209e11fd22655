package hidden

func Visible() {}
