/// The version `ecr-sessions --version` prints. A constant: SwiftPM has no build-time `git describe`.
public enum ECRSessionsVersion {
    public static let current = "0.2.0"
}
