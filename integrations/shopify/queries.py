"""The GraphQL the connector sends: what it reads of an order, the page of orders, and the two writes.

One field list (``ORDER_FIELDS``) serves the backfill, the reconcile, a webhook's fetch and the re-read
after a write, so ``mapping.order_record`` reads one shape. Each operation is named; the local fake
(``tests/shopify/fake_admin.py``) answers them by name.
"""

from __future__ import annotations

ORDER_FIELDS = """
  id legacyResourceId name email createdAt updatedAt processedAt cancelledAt
  displayFinancialStatus displayFulfillmentStatus currencyCode paymentGatewayNames
  subtotalPriceSet { shopMoney { amount currencyCode } }
  totalShippingPriceSet { shopMoney { amount currencyCode } }
  totalPriceSet { shopMoney { amount currencyCode } }
  customer { id firstName lastName email phone defaultAddress { zip countryCodeV2 } }
  shippingAddress { name address1 city zip countryCodeV2 }
  shippingLine { title code }
  lineItems(first: 100) {
    nodes { id sku name quantity isGiftCard originalUnitPriceSet { shopMoney { amount } }
            product { productType tags } }
  }
  fulfillments(first: 20) {
    id name status createdAt inTransitAt deliveredAt estimatedDeliveryAt
    trackingInfo(first: 1) { company number url }
    fulfillmentLineItems(first: 100) { nodes { id quantity lineItem { id } } }
    events(first: 50) { nodes { status happenedAt city province country message } }
  }
  returns(first: 20) {
    nodes { id name status createdAt
      returnLineItems(first: 50) {
        nodes { ... on ReturnLineItem { quantity returnReason fulfillmentLineItem { lineItem { id } } } }
      }
    }
  }
  refunds(first: 20) {
    id createdAt totalRefundedSet { shopMoney { amount currencyCode } }
    return { name }
    transactions(first: 5) { nodes { gateway status processedAt } }
  }
"""

ORDERS_PAGE = (
    """
query ShopdeskOrders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {"""
    + ORDER_FIELDS
    + """}
  }
}
"""
)

ORDER = (
    """
query ShopdeskOrder($id: ID!) {
  order(id: $id) {"""
    + ORDER_FIELDS
    + """}
}
"""
)

SHOP = """
query ShopdeskShop { shop { name myshopifyDomain currencyCode } }
"""

ORDER_CANCEL = """
mutation ShopdeskOrderCancel($orderId: ID!, $reason: OrderCancelReason!, $refund: Boolean!,
                             $restock: Boolean!, $notifyCustomer: Boolean) {
  orderCancel(orderId: $orderId, reason: $reason, refund: $refund, restock: $restock,
              notifyCustomer: $notifyCustomer) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}
"""

RETURN_REQUEST = """
mutation ShopdeskReturnRequest($input: ReturnRequestInput!) {
  returnRequest(input: $input) {
    return { id name status }
    userErrors { field message code }
  }
}
"""
