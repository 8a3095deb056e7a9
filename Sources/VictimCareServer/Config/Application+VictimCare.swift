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
