"""The store: reading and writing briefings and evaluations, and the queries the pages share."""
