//go:build !(linux && (amd64 || arm64))

package atomicfile

// exchange is not available here.
func exchange(a, b string) error { return noExchangeError{} }
