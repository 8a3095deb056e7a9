import Fluent
import Vapor

func routes(_ app: Application) throws {
    try app.register(collection: OpsController())
    try app.register(collection: LeafletController())
    try app.register(collection: FeedbackController())
    try app.register(collection: CaseController())
    try app.register(collection: SelfReferralController())
    try app.register(collection: WitnessController())
    try app.register(collection: VideoCallController())
    try app.register(collection: VideoGuestController())

    // The web interface: sessions, secure cookies, CSRF on every form, then sign-in.
    let web = app.grouped(
        SecureCookieMiddleware(), app.sessions.middleware, WebSessionAuthenticator(), CSRFMiddleware())
    let auth = AuthController()
    try web.register(collection: auth)
    let signedIn = web.grouped(RequireSignedIn())
    try signedIn.register(collection: HomeController())
    try signedIn.register(collection: AccountController())
    try signedIn.register(collection: CrimesController())
    try signedIn.register(collection: CrimeLinksController())
    try signedIn.register(collection: PeopleController())
    try signedIn.register(collection: LinkageController())
    try signedIn.register(collection: AccessController())
    try signedIn.register(collection: UsersController())
    try signedIn.register(collection: TokensController())
    try signedIn.register(collection: OutboxController())
    try signedIn.register(collection: ImportsController())
    try signedIn.register(collection: AuditController())
    try signedIn.register(collection: VictimsController())
    try signedIn.register(collection: VictimLinksController())
    try signedIn.register(collection: CommunicationsReportController())
    try signedIn.register(collection: DashboardController())
    try signedIn.register(collection: ReferralsController())
    try signedIn.register(collection: AssessmentController())
    try signedIn.register(collection: CaseEventsController())
    try signedIn.register(collection: WorklistsController())
    try signedIn.register(collection: VictimsCodeSettingsController())
    try signedIn.register(collection: AdminController())
    try signedIn.register(collection: WitnessCareController())
    try signedIn.register(collection: InterviewsController())
    try signedIn.register(collection: ParadesController())
    try signedIn.register(collection: ResponseController())
    try signedIn.register(collection: VideoController())
    try signedIn.register(collection: VideoCallController.Officer())
    try signedIn.register(collection: VideoGuestController.Officer())

    // tus uploads of interview recordings: an API token (kits) or a session with the form token in a header;
    // bodies stream straight to the evidence store.
    let uploads = app.grouped(
        SecureCookieMiddleware(), app.sessions.middleware, WebSessionAuthenticator(), TusAuthMiddleware())
    try uploads.register(collection: TusController())

    // The JSON API for integrations: bearer tokens only, no cookies.
    let api = app.grouped("api", "v1").grouped(BearerTokenAuthenticator())
    try api.register(collection: CrimesAPIController())
    try api.register(collection: PeopleAPIController())
    try api.register(collection: OrganisationAPIController())
    try api.register(collection: VictimsAPIController())
    try api.register(collection: ReferralsAPIController())
    try api.register(collection: InterviewsAPIController())
}
