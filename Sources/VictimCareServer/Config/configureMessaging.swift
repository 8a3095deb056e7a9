import Vapor

/// The outbox's provider, composer and settings, chosen from the configuration.
struct Messaging: Sendable {
    var provider: any MessageProvider
    var composer: MessageComposer
    var settings: OutboxService.Settings
}

extension Application {
    var messaging: Messaging {
        get {
            guard let m = storage[MessagingKey.self] else { fatalError("configureMessaging has not run") }
            return m
        }
        set { storage[MessagingKey.self] = newValue }
    }

    private struct MessagingKey: StorageKey {
        typealias Value = Messaging
    }

    var translations: Translations {
        get {
            guard let t = storage[TranslationsKey.self] else { fatalError("configureTranslations has not run") }
            return t
        }
        set { storage[TranslationsKey.self] = newValue }
    }

    private struct TranslationsKey: StorageKey {
        typealias Value = Translations
    }
}

/// Says QUIT on the relay connections left open when the service stops.
struct SMTPConnectionsClosing: LifecycleHandler {
    let provider: SMTPMessageProvider

    func shutdownAsync(_ app: Application) async {
        await provider.closeIdle()
    }
}

struct MessagingConfigError: Error, CustomStringConvertible {
    var description: String
}

/// The translation catalogues, read once at start-up; the leaflet page and the messages both use them.
func configureTranslations(_ app: Application) throws {
    app.translations = try Translations.load(from: app.directory.resourcesDirectory + "Translations")
}

func configureMessaging(_ app: Application, _ config: AppConfig) throws {
    let m = config.messaging
    let provider: any MessageProvider
    switch m.provider {
    case "log":
        provider = LogMessageProvider(logger: Logger(label: "victimcare.outbox"))
    case "smtp":
        provider = SMTPMessageProvider(
            host: m.smtpHost, port: m.smtpPort, from: m.mailFrom, heloName: m.heloName, group: app.eventLoopGroup,
            keepIdle: m.concurrency)
    case "notify":
        guard let raw = m.notifyAPIKey, let key = NotifyAPIKey(raw) else {
            throw MessagingConfigError(description: "NOTIFY_API_KEY is missing or not a Notify API key")
        }
        guard !m.notifyEmailTemplateID.isEmpty, !m.notifySMSTemplateID.isEmpty else {
            throw MessagingConfigError(description: "NOTIFY_EMAIL_TEMPLATE_ID and NOTIFY_SMS_TEMPLATE_ID are needed")
        }
        provider = NotifyMessageProvider(
            baseURL: m.notifyBaseURL.hasSuffix("/") ? String(m.notifyBaseURL.dropLast()) : m.notifyBaseURL, key: key,
            emailTemplateID: m.notifyEmailTemplateID, smsTemplateID: m.notifySMSTemplateID,
            letterTemplateID: m.notifyLetterTemplateID, client: app.client)
    default:
        throw MessagingConfigError(description: "MESSAGE_PROVIDER must be log, smtp or notify")
    }
    app.messaging = Messaging(
        provider: provider,
        composer: MessageComposer(
            app: app, publicURL: config.publicURL, translations: app.translations, links: config.links,
            mailFrom: m.mailFrom),
        settings: .init(maxAttempts: m.maxAttempts, batchSize: 100, concurrency: m.concurrency))
    if let smtp = provider as? SMTPMessageProvider { app.lifecycle.use(SMTPConnectionsClosing(provider: smtp)) }
    if app.environment != .testing, app.isServing {
        app.lifecycle.use(PollingWorker.outbox(interval: .seconds(m.pollSeconds), app.messaging))
    }
}
