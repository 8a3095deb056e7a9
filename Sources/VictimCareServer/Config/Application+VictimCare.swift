import Vapor

extension Application {
    private struct ConfigKey: StorageKey {
        typealias Value = AppConfig
    }

    /// The operator's settings for this process.
    var config: AppConfig {
        get { storage[ConfigKey.self] ?? AppConfig.fromEnvironment() }
        set { storage[ConfigKey.self] = newValue }
    }
}

extension Request {
    var config: AppConfig { application.config }
}

extension Application {
    private struct AuditWriterKey: StorageKey {
        typealias Value = AuditWriter
    }

    /// The group-commit writer every request's audit entries go through (set by `configure`).
    var auditWriter: AuditWriter? {
        get { storage[AuditWriterKey.self] }
        set { storage[AuditWriterKey.self] = newValue }
    }

    private struct CrimeWriterKey: StorageKey {
        typealias Value = CrimeService.Writer
    }

    /// The group-commit writer crimes recorded through the web form and the API go through (set by `configure`).
    var crimeWriter: CrimeService.Writer? {
        get { storage[CrimeWriterKey.self] }
        set { storage[CrimeWriterKey.self] = newValue }
    }
}

extension Application {
    private struct VaultKey: StorageKey {
        typealias Value = EvidenceVault
    }

    /// The evidence store, cipher and keys, made on first use from the configuration (the master key from
    /// the environment or, on a single machine, the key file beside the store).
    var evidenceVault: EvidenceVault {
        get throws {
            if let vault = storage[VaultKey.self] { return vault }
            let settings = config.evidence
            let (keys, fromFile) = try EvidenceKeys.load(
                environment: ProcessInfo.processInfo.environment, directory: settings.directory)
            if fromFile {
                logger.warning(
                    "Evidence is encrypted with a key kept in \(settings.directory)/master.key; set EVIDENCE_MASTER_KEY in production."
                )
            }
            let store: any EvidenceStore =
                settings.s3.map {
                    S3EvidenceStore(
                        s3: S3Client(
                            endpoint: $0.endpoint, bucket: $0.bucket,
                            signer: SigV4(accessKey: $0.accessKey, secretKey: $0.secretKey, region: $0.region)))
                } ?? FileEvidenceStore(root: settings.directory, threadPool: threadPool)
            let vault = EvidenceVault(store: store, keys: keys, hashers: EvidenceVault.HasherCache())
            storage[VaultKey.self] = vault
            return vault
        }
    }
}

extension Request {
    var evidenceVault: EvidenceVault { get throws { try application.evidenceVault } }
}
