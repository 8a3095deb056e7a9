import Leaf
import Vapor

func configureViews(_ app: Application) {
    app.views.use(.leaf)
}
