import ECRSessions
import Foundation

/// Micro-benchmarks for `scripts/benchmark`, kept out of the product's command line.
///
/// `ecr-sessions-bench sign N` signs N ECR GetAuthorizationToken requests the way a login does (same credentials,
/// one date, so the signing key is derived once as in a sweep of one principal) and prints one line of numbers the
/// script reads: `sign <count> <seconds> <per second> <microseconds each>`. `sign-distinct N` gives every request
/// its own credentials, so the signing key is derived each time (a sweep over many principals).
let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 2, let mode = arguments.first, ["sign", "sign-distinct"].contains(mode),
    let count = Int(arguments.last ?? ""), count > 0
else {
    FileHandle.standardError.write(Data("usage: ecr-sessions-bench sign|sign-distinct COUNT\n".utf8))
    exit(2)
}

let request = HTTPRequest(
    method: "POST",
    url: URL(string: "https://api.ecr.eu-west-1.amazonaws.com/")!,
    headers: [
        HTTPHeader("Content-Type", "application/x-amz-json-1.1"),
        HTTPHeader("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"),
        HTTPHeader("Host", "api.ecr.eu-west-1.amazonaws.com"),
    ],
    body: Data("{}".utf8)
)
let signers = (0..<(mode == "sign" ? 1 : min(count, 4096))).map { index in
    SigV4Signer(
        credentials: AWSCredentials(
            accessKeyID: "AKIABENCH\(String(index + 10_000_000_000).suffix(11))",
            secretAccessKey: "benchmark-secret-\(index)"
        ),
        region: "eu-west-1",
        service: "ecr"
    )
}
let date = Date(timeIntervalSince1970: 1_767_225_600)
var checksum = 0
let elapsed = ContinuousClock().measure {
    for index in 0..<count {
        let signed = signers[index % signers.count].sign(request, date: date)
        checksum &+= signed.headers.count  // keeps the work observable
    }
}
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
precondition(checksum > 0)
print("sign \(count) \(seconds) \(Double(count) / seconds) \(seconds / Double(count) * 1e6)")
