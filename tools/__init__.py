"""Commands around the product, on top of every layer: the ``crmlake`` command line, the
deterministic demo-data generator, the bench and the page-latency probe. Nothing in the code
location (``pipelines``) or the apps imports them."""
