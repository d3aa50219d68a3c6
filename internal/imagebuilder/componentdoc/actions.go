package componentdoc

import (
	"slices"
	"strings"
)

// Platforms as CreateComponent names them. AWSTOE's messages spell them in
// lower case ("Unsupported action InvokeBash for os platform linux").
const (
	PlatformLinux   = "Linux"
	PlatformWindows = "Windows"
	PlatformMacOS   = "macOS"
)

type platformSet uint8

const (
	onLinux platformSet = 1 << iota
	onWindows
	onMacOS

	onAll       = onLinux | onWindows | onMacOS
	onUnixLike  = onLinux | onMacOS
	onWindowsOS = onWindows
)

type actionSpec struct {
	platforms platformSet
	// inputsOptional marks modules whose inputs all have defaults. Every
	// other module fails with "Action X has no inputs; it requires an
	// 'inputs'" when inputs are missing or empty.
	inputsOptional bool
	// fixedRunPolicy marks ExecuteDocument, which runs once with no timeout
	// and rejects other timeoutSeconds or maxAttempts values.
	fixedRunPolicy bool
}

// actions is AWSTOE's action-module list with the platforms each runs on, per
// the "Action modules supported by AWSTOE component manager" cross-reference.
// macOS support of Reboot and UpdateOS is not documented there; they are
// accepted rather than risk rejecting a valid document.
var actions = map[string]actionSpec{
	"Assert":            {platforms: onAll},
	"ExecuteBash":       {platforms: onUnixLike},
	"ExecuteBinary":     {platforms: onAll},
	"ExecuteDocument":   {platforms: onAll, fixedRunPolicy: true},
	"ExecutePowerShell": {platforms: onWindowsOS},

	"S3Download":  {platforms: onAll},
	"S3Upload":    {platforms: onAll},
	"WebDownload": {platforms: onAll},

	"AppendFile":           {platforms: onAll},
	"CopyFile":             {platforms: onAll},
	"CopyFolder":           {platforms: onAll},
	"CreateFile":           {platforms: onAll},
	"CreateFolder":         {platforms: onAll},
	"CreateSymlink":        {platforms: onAll},
	"DeleteFile":           {platforms: onAll},
	"DeleteFolder":         {platforms: onAll},
	"ListFiles":            {platforms: onAll},
	"MoveFile":             {platforms: onAll},
	"MoveFolder":           {platforms: onAll},
	"ReadFile":             {platforms: onAll},
	"SetFileEncoding":      {platforms: onAll},
	"SetFileOwner":         {platforms: onUnixLike},
	"SetFolderOwner":       {platforms: onUnixLike},
	"SetFilePermissions":   {platforms: onUnixLike},
	"SetFolderPermissions": {platforms: onUnixLike},

	"InstallMSI":   {platforms: onWindowsOS},
	"UninstallMSI": {platforms: onWindowsOS},

	"Reboot":      {platforms: onAll, inputsOptional: true},
	"SetRegistry": {platforms: onWindowsOS},
	"UpdateOS":    {platforms: onAll, inputsOptional: true},
}

// Actions returns the names of every action module AWSTOE knows.
func Actions() []string {
	names := make([]string, 0, len(actions))
	for name := range actions {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// ActionSupported reports whether the action module runs on platform. An
// empty platform means any platform.
func ActionSupported(action, platform string) bool {
	spec, ok := actions[action]
	if !ok {
		return false
	}
	if platform == "" {
		return true
	}
	set, ok := platformBit(platform)
	return ok && spec.platforms&set != 0
}

func platformBit(platform string) (platformSet, bool) {
	switch strings.ToLower(platform) {
	case "linux":
		return onLinux, true
	case "windows":
		return onWindows, true
	case "macos":
		return onMacOS, true
	}
	return 0, false
}
