// Package web is Ladda's browser side. For now it holds the two pages that links in Ladda's
// emails open: verifying an email address and choosing a new password. Each page is plain HTML
// with a small script that calls the API; nothing happens on opening the link (mail scanners
// open links too), only when the person presses the button.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
)

//go:embed pages/*.html
var pages embed.FS

//go:embed assets
var assets embed.FS

// templates holds one template set per page: the layout with the page's title and main part.
var templates = func() map[string]*template.Template {
	sets := map[string]*template.Template{}
	for _, name := range []string{"verify-email.html", "reset-password.html"} {
		sets[name] = template.Must(template.ParseFS(pages, "pages/layout.html", "pages/"+name))
	}
	return sets
}()

// Handler serves /verify-email, /reset-password and /assets/.
func Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(static)))
	mux.HandleFunc("GET /verify-email", page("verify-email.html"))
	mux.HandleFunc("GET /reset-password", page("reset-password.html"))
	return secure(mux)
}

func page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := templates[name].ExecuteTemplate(w, "layout", nil); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}
}

// secure sets the headers of every page: scripts and styles only from Ladda itself, no
// framing, no referrer (the token is in the URL).
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}
