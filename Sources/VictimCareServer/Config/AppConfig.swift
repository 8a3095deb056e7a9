import Foundation
import Logging
import VictimCareDomain

/// Everything an operator can set, read once from the environment. Secrets never have defaults in production.
struct AppConfig: Sendable {
    enum DatabaseKind: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    var database: DatabaseKind
    var host: String
    var port: Int
    var publicURL: String
    var logLevel: Logger.Level
    var logFormat: String
    /// `nil`: decide per request (Secure when the request arrived over TLS, directly or through a proxy).
    var secureCookies: Bool?
    /// Reverse proxies whose forwarding headers are believed (`TRUSTED_PROXIES`; `TRUST_PROXY=true` alone
    /// means a proxy on this machine).
    var trustedProxies: TrustedProxies
    var postgresPoolSize: Int
    var sessionHours: Int
    var signInMaxFailures: Int
    var signInLockoutMinutes: Int
    var signInIPLimit: Int
    var signInIPWindowMinutes: Int
    var accessGrantMinutes: Int
    /// The bearer token `/metrics` asks for (`METRICS_TOKEN`); none set, none served.
    var metricsToken: String? = nil
    /// How long a new API token lasts, in days (`API_TOKEN_DAYS`).
    var apiTokenDays = 90
    var adminUsername: String
    var adminPassword: String?
    var messaging = MessagingConfig()
    var links = LinkSettings()
    var referrals = ReferralConfig()
    /// The records system imports come from unless a run names another (`IMPORT_SOURCE`).
    var importSource = "records"
    /// Where uploaded import files are kept while they are read (`IMPORT_DIRECTORY`).
    var importDirectory = "data/imports"
    /// The largest file the upload page takes, in MiB (`IMPORT_MAX_MB`).
    var importMaxMegabytes = 512
    var evidence = EvidenceConfig()
    var video = VideoConfig()

    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> AppConfig {
        func int(_ key: String, _ fallback: Int) -> Int { env[key].flatMap { Int($0) } ?? fallback }
        func bool(_ key: String) -> Bool? {
            switch env[key]?.lowercased() {
            case "1", "true", "yes", "on": true
            case "0", "false", "no", "off": false
            default: nil
            }
        }
        let database: DatabaseKind
        if let url = env["DATABASE_URL"], !url.isEmpty, url.hasPrefix("postgres") {
            database = .postgres(url: url)
        } else if let url = env["DATABASE_URL"], url.hasPrefix("sqlite:") {
            database = .sqlite(path: String(url.dropFirst("sqlite:".count)).replacingOccurrences(of: "//", with: ""))
        } else {
            database = .sqlite(path: env["VICTIMCARE_SQLITE_PATH"] ?? "data/victimcare.sqlite")
        }
        let host = env["HOST"] ?? "127.0.0.1"
        let port = int("PORT", 8080)
        return AppConfig(
            database: database,
            host: host,
            port: port,
            publicURL: env["PUBLIC_URL"] ?? "http://\(host):\(port)",
            logLevel: env["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info,
            logFormat: env["LOG_FORMAT"] ?? "json",
            secureCookies: bool("SESSION_COOKIE_SECURE"),
            trustedProxies: env["TRUSTED_PROXIES"].flatMap { TrustedProxies(parsing: $0) }
                ?? (bool("TRUST_PROXY") == true ? .loopback : .none),
            postgresPoolSize: int("DB_POOL_SIZE", 8),
            sessionHours: int("SESSION_HOURS", 10),
            signInMaxFailures: int("SIGN_IN_MAX_FAILURES", 5),
            signInLockoutMinutes: int("SIGN_IN_LOCKOUT_MINUTES", 15),
            signInIPLimit: int("SIGN_IN_IP_LIMIT", 30),
            signInIPWindowMinutes: int("SIGN_IN_IP_WINDOW_MINUTES", 10),
            accessGrantMinutes: int("ACCESS_REASON_MINUTES", 60),
            metricsToken: env["METRICS_TOKEN"].flatMap { $0.count >= 16 ? $0 : nil },
            apiTokenDays: int("API_TOKEN_DAYS", 90),
            adminUsername: env["VICTIMCARE_ADMIN_USERNAME"] ?? "admin",
            adminPassword: env["VICTIMCARE_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 },
            messaging: MessagingConfig(
                provider: env["MESSAGE_PROVIDER"] ?? "log",
                smtpHost: env["SMTP_HOST"] ?? "127.0.0.1",
                smtpPort: int("SMTP_PORT", 25),
                mailFrom: env["MAIL_FROM"] ?? "no-reply@victimcare.example",
                heloName: env["SMTP_HELO"] ?? "victimcare.example",
                notifyBaseURL: env["NOTIFY_BASE_URL"] ?? "https://api.notifications.service.gov.uk",
                notifyAPIKey: env["NOTIFY_API_KEY"],
                notifyEmailTemplateID: env["NOTIFY_EMAIL_TEMPLATE_ID"] ?? "",
                notifySMSTemplateID: env["NOTIFY_SMS_TEMPLATE_ID"] ?? "",
                notifyLetterTemplateID: env["NOTIFY_LETTER_TEMPLATE_ID"],
                pollSeconds: int("OUTBOX_POLL_SECONDS", 2),
                maxAttempts: int("OUTBOX_MAX_ATTEMPTS", 8),
                concurrency: int("OUTBOX_CONCURRENCY", 16)),
            links: LinkSettings(
                leafletDays: int("LEAFLET_LINK_DAYS", 180),
                caseDays: int("CASE_LINK_DAYS", 90),
                feedbackDays: int("FEEDBACK_LINK_DAYS", 14),
                sessionMinutes: int("CASE_SESSION_MINUTES", 30),
                codeMinutes: int("CASE_CODE_MINUTES", 10),
                maxAttempts: int("CASE_MAX_ATTEMPTS", 5),
                lockMinutes: int("CASE_LOCK_MINUTES", 15),
                maxAttemptsPerAddress: int("CASE_ADDRESS_ATTEMPTS", 20)),
            referrals: ReferralConfig(
                export: .init(
                    directory: env["REFERRAL_DIRECTORY"] ?? "data/referrals",
                    endpoint: env["REFERRAL_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 },
                    signingKey: env["REFERRAL_SIGNING_KEY"].flatMap { $0.isEmpty ? nil : $0 }),
                exportHours: int("REFERRAL_EXPORT_HOURS", 24),
                acknowledgeHours: int("REFERRAL_ACK_HOURS", 48),
                mailbox: env["REFERRAL_EMAIL"].flatMap { $0.isEmpty ? nil : $0 },
                selfReferralsPerHour: int("SELF_REFERRAL_HOURLY", 5)),
            importSource: env["IMPORT_SOURCE"].flatMap { $0.isEmpty ? nil : $0 } ?? "records",
            importDirectory: env["IMPORT_DIRECTORY"] ?? "data/imports",
            importMaxMegabytes: int("IMPORT_MAX_MB", 512),
            evidence: EvidenceConfig(
                directory: env["EVIDENCE_DIRECTORY"] ?? "data/evidence",
                maxMegabytes: min(max(int("EVIDENCE_MAX_MB", 8191), 1), 8191),
                uploadHours: int("EVIDENCE_UPLOAD_HOURS", 72),
                lockSeconds: int("EVIDENCE_LOCK_SECONDS", 20),
                segmentSize: int("EVIDENCE_SEGMENT_KIB", 1024) * 1024,
                verifyHours: int("EVIDENCE_VERIFY_HOURS", 24),
                shareDays: int("EVIDENCE_SHARE_DAYS", 28),
                processMedia: bool("EVIDENCE_MEDIA") ?? true,
                s3: env["EVIDENCE_S3_ENDPOINT"].flatMap { $0.isEmpty ? nil : URL(string: $0) }.map {
                    EvidenceConfig.S3(
                        endpoint: $0, bucket: env["EVIDENCE_S3_BUCKET"] ?? "victimcare-evidence",
                        region: env["EVIDENCE_S3_REGION"] ?? "us-east-1",
                        accessKey: env["EVIDENCE_S3_ACCESS_KEY"] ?? "",
                        secretKey: env["EVIDENCE_S3_SECRET_KEY"] ?? "")
                }),
            video: VideoConfig(
                turnURLs: (env["TURN_URLS"] ?? "").split(separator: ",").map {
                    $0.trimmingWhitespace()
                }.filter { !$0.isEmpty },
                turnSecret: env["TURN_SECRET"].flatMap { $0.isEmpty ? nil : $0 },
                turnMinutes: max(int("TURN_TTL_MINUTES", 120), 5),
                relayOnly: env["VIDEO_ICE_POLICY"] == "relay",
                visitMinutes: max(int("VIDEO_VISIT_MINUTES", 60), 0),
                visitMiles: max(Double(env["VIDEO_VISIT_MILES"] ?? "") ?? 8, 0))
        )
    }
}

/// Video calls (issue 16): the TURN relay for networks that block direct media. coturn's REST scheme: a
/// shared secret (`TURN_SECRET`) signs time-limited credentials, so nothing per user is stored in coturn.
struct VideoConfig: Sendable {
    /// e.g. `turn:turn.force.example:3478?transport=udp,turns:turn.force.example:443?transport=tcp`
    var turnURLs: [String] = []
    var turnSecret: String?
    var turnMinutes = 120
    /// Only relayed media (`VIDEO_ICE_POLICY=relay`): hides both sides' addresses from each other.
    var relayOnly = false
    /// The force's own figures for one visit that a video call replaces (`VIDEO_VISIT_MINUTES`, travel there and
    /// back; `VIDEO_VISIT_MILES`): the outcomes report's officer time and miles saved are these times the calls.
    var visitMinutes = 60
    var visitMiles = 8.0
}

/// Interview recordings: where their encrypted bytes live and how uploads behave (issue 15).
struct EvidenceConfig: Sendable {
    /// The filesystem store's directory (`EVIDENCE_DIRECTORY`); several nodes share one (a network mount).
    var directory = "data/evidence"
    /// The largest recording taken, in MiB (`EVIDENCE_MAX_MB`); at most 8 GiB, the largest a plain tar
    /// member (the evidence bundle) holds.
    var maxMegabytes = 8191
    /// How long an unfinished upload is kept (`EVIDENCE_UPLOAD_HOURS`); then it expires and its bytes go.
    var uploadHours = 72
    /// How long a writer holds an upload without sending a byte (`EVIDENCE_LOCK_SECONDS`): after a node is
    /// killed mid-upload, the client resumes once this has passed.
    var lockSeconds = 20
    /// Plaintext bytes per encrypted segment (`EVIDENCE_SEGMENT_KIB`): the unit of range reads.
    var segmentSize = 1 << 20
    /// How often every item is re-hashed and every custody chain checked (`EVIDENCE_VERIFY_HOURS`; 0: never).
    var verifyHours = 24
    /// How long a share with a prosecutor lasts unless the sharer says otherwise (`EVIDENCE_SHARE_DAYS`).
    var shareDays = 28
    /// Whether this node probes recordings and makes playable copies (`EVIDENCE_MEDIA`, default on; a node
    /// can be kept for serving alone).
    var processMedia = true
    /// An S3-compatible store instead of the directory (`EVIDENCE_S3_ENDPOINT`, `_BUCKET`, `_REGION`,
    /// `_ACCESS_KEY`, `_SECRET_KEY`).
    var s3: S3? = nil

    struct S3: Sendable {
        var endpoint: URL
        var bucket: String
        var region: String
        var accessKey: String
        var secretKey: String
    }

    var maxBytes: Int64 { Int64(maxMegabytes) * 1024 * 1024 }
}

/// Where messages to victims go and how hard the outbox tries.
struct MessagingConfig: Sendable {
    /// `log` (development), `smtp` or `notify`.
    var provider = "log"
    var smtpHost = "127.0.0.1"
    var smtpPort = 25
    var mailFrom = "no-reply@victimcare.example"
    var heloName = "victimcare.example"
    var notifyBaseURL = "https://api.notifications.service.gov.uk"
    var notifyAPIKey: String?
    var notifyEmailTemplateID = ""
    var notifySMSTemplateID = ""
    var notifyLetterTemplateID: String?
    var pollSeconds = 2
    var maxAttempts = 8
    var concurrency = 16
}

/// How long a victim's personal links last, and how the case page resists guessing.
struct LinkSettings: Sendable {
    var leafletDays = 180
    var caseDays = 90
    var feedbackDays = 14
    /// A witness's link to a video identification (issue 15).
    var identificationDays = 7
    var sessionMinutes = 30
    var codeMinutes = 10
    /// Wrong dates of birth or codes before the link locks for `lockMinutes`.
    var maxAttempts = 5
    var lockMinutes = 15
    /// Wrong answers from one address, across every link, within `lockMinutes` before it is asked to wait.
    var maxAttemptsPerAddress = 20

    func lifetime(_ purpose: VictimLink.Purpose) -> TimeInterval {
        switch purpose {
        case .leaflet: Double(leafletDays) * 86_400
        case .track: Double(caseDays) * 86_400
        case .feedback: Double(feedbackDays) * 86_400
        case .identification: Double(identificationDays) * 86_400
        case .session: Double(sessionMinutes) * 60
        }
    }
}

/// The daily transfer to the support service.
struct ReferralConfig: Sendable {
    var export = ReferralExport.Settings(directory: "data/referrals", endpoint: nil, signingKey: nil)
    /// How often each node looks for a batch to send (0: only `victimcare referrals export`).
    var exportHours = 24
    /// A referral the service has not acknowledged (received) within this many hours is flagged.
    var acknowledgeHours = 48
    /// The support service's secure mailbox for the Witness Care Unit's referrals at charge (`REFERRAL_EMAIL`).
    var mailbox: String?
    /// Self-referrals taken from one address per hour before the form asks it to wait (`SELF_REFERRAL_HOURLY`).
    var selfReferralsPerHour = 5
}
