package testservices

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// errNoDocker marks the absence of a Docker engine, which skips a test;
// any other failure to start a container fails it.
var errNoDocker = errors.New("no Docker engine")

// probeTimeout bounds asking a Docker engine whether it runs.
const probeTimeout = 5 * time.Second

var (
	dockerOnce sync.Once
	dockerErr  error
)

// dockerAvailable reports, once per process, whether testcontainers can
// reach a Docker engine; its error wraps errNoDocker.
func dockerAvailable() error {
	dockerOnce.Do(func() { dockerErr = probeDocker() })
	return dockerErr
}

func probeDocker() (err error) {
	// Without any of these, testcontainers would look for an engine in
	// every place it knows, only to find none; answer at once.
	if hint := dockerHint(); hint == "" {
		return fmt.Errorf("%w: DOCKER_HOST is unset and there is no Docker socket, Docker context or ~/.testcontainers.properties", errNoDocker)
	}
	// testcontainers panics where it finds no host in some paths.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errNoDocker, r)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	// Finding the host first, under the deadline, caches it for the
	// provider, which would search without one.
	if _, err := testcontainers.NewDockerClientWithOpts(ctx); err != nil {
		return fmt.Errorf("%w: %v", errNoDocker, err)
	}
	provider, err := testcontainers.ProviderDefault.GetProvider()
	if err != nil {
		return fmt.Errorf("%w: %v", errNoDocker, err)
	}
	defer provider.Close()
	if err := provider.Health(ctx); err != nil {
		return fmt.Errorf("%w: %v", errNoDocker, err)
	}
	return nil
}

// dockerHint names the first sign of a Docker engine testcontainers would
// follow, or returns "" when there is none.
func dockerHint() string {
	for _, env := range []string{"DOCKER_HOST", "TESTCONTAINERS_HOST_OVERRIDE", "TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE", "DOCKER_CONTEXT"} {
		if os.Getenv(env) != "" {
			return env
		}
	}
	home, _ := os.UserHomeDir()
	var paths []string
	if home != "" {
		paths = append(paths,
			filepath.Join(home, ".testcontainers.properties"),
			filepath.Join(home, ".docker", "contexts", "meta"),
			filepath.Join(home, ".docker", "run", "docker.sock"),
			filepath.Join(home, ".docker", "desktop", "docker.sock"),
		)
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		paths = append(paths, filepath.Join(dir, "docker.sock"), filepath.Join(dir, ".docker", "run", "docker.sock"))
	}
	paths = append(paths, "/var/run/docker.sock", fmt.Sprintf("/run/user/%d/docker.sock", os.Getuid()))
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}
