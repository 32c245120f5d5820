"""Vehicle and platform links: where protocol and domain meet. The only place that knows both."""
