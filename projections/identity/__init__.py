"""Identity read models: platform users and store teams ("team"), storefront customers
("customers"); personal data opened from its sealed form when the events are applied."""
