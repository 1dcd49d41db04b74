// ?watch=1: a chunked stream of {"type","object"} lines: ADDED/MODIFIED/DELETED, BOOKMARK
// (allowWatchBookmarks, every --bookmark-interval), ERROR (410 Expired for a resourceVersion
// older than the history), sendInitialEvents with its initial-events-end bookmark,
// timeoutSeconds, selectors (leaving the selection is DELETED), Table output for kubectl.
#ifndef MINPRIV_TESTS_APISERVER_WATCH_HANDLER_H_
#define MINPRIV_TESTS_APISERVER_WATCH_HANDLER_H_

#include "rest_handlers.h"

namespace minpriv::apiserver {

HttpResponse HandleWatch(Store& store, const ServerOptions& options, const Route& route,
                         const HttpRequest& req);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_WATCH_HANDLER_H_
