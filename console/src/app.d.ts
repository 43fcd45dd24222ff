// The console declares no App.* types: it has no server hooks, locals or page data of its own.
export {};
