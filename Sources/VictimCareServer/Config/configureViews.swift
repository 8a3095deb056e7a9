import Leaf
import Vapor

func configureViews(_ app: Application) {
    app.views.use(.leaf)
    app.leaf.cache.isEnabled = app.environment.isRelease || app.environment == .testing
}
