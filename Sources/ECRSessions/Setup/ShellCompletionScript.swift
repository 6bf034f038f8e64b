/// A shell's completion script for `ecr-sessions`, as the command line generates it, and where in a prefix that
/// shell finds it without being told.
public struct ShellCompletionScript: Sendable, Equatable {
    public enum Shell: String, Sendable, CaseIterable {
        case bash, zsh, fish
    }

    public var shell: Shell
    public var text: String

    public init(shell: Shell, text: String) {
        self.shell = shell
        self.text = text
    }

    /// The script's path under `prefix` (e.g. `~/.local`):
    /// - bash-completion loads `share/bash-completion/completions/<command>` from `XDG_DATA_HOME` (`~/.local/share`)
    ///   and from beside each PATH folder's `bin`, on the first TAB after the command;
    /// - zsh's `compinit` reads `share/zsh/site-functions/_<command>` once that folder is on `fpath`;
    /// - fish reads `share/fish/vendor_completions.d/<command>.fish` from `~/.local/share` and every `XDG_DATA_DIRS`
    ///   folder, the place for completions a package installs (`~/.config/fish/completions` is the user's own).
    public func path(prefix: String) -> String {
        switch shell {
        case .bash: prefix + "/share/bash-completion/completions/ecr-sessions"
        case .zsh: prefix + "/share/zsh/site-functions/_ecr-sessions"
        case .fish: prefix + "/share/fish/vendor_completions.d/ecr-sessions.fish"
        }
    }
}
